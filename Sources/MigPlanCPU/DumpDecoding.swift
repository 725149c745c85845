/// What a dump says about its host: the distinct CPUs in it and how many sockets.
public struct DumpDecoding: Sendable {
    public struct DistinctCPU: Sendable {
        public var cpu: CPU
        /// Labels of the logical CPUs that are this CPU.
        public var logicalCPUs: [String]
        /// Hybrid parts: `performance` or `efficiency` cores (CPUID leaf 0x1A), when reported.
        public var coreType: String?
    }

    public var dump: CPUIDDump
    public var distinct: [DistinctCPU]
    /// Physical packages, from the logical CPUs' APIC IDs; nil when the dump has one logical CPU.
    public var sockets: Int?

    /// The CPU a HOST argument stands for: the one of the first logical CPU, with notes saying so.
    public var hostCPU: CPU {
        var cpu = distinct[0].cpu
        cpu.sockets = sockets
        let logical = dump.declaredCPUs
        var note = "\(dump.flavour.rawValue) dump, \(logical) logical CPU\(logical == 1 ? "" : "s")"
        if let sockets { note += ", \(sockets) socket\(sockets == 1 ? "" : "s")" }
        if dump.declaredCPUs > dump.cpus.count {
            note += " (\(dump.declaredCPUs - dump.cpus.count) of them without register data)"
        }
        if distinct.count > 1 {
            let kinds = distinct.map { d in
                "\(d.coreType.map { "\($0) cores" } ?? d.cpu.model?.name ?? "CPU") ×\(d.logicalCPUs.count)"
            }
            note += "; \(distinct.count) distinct CPUs (\(kinds.joined(separator: ", "))): used the one of \(distinct[0].logicalCPUs[0])"
        }
        cpu.notes.insert(note, at: 0)
        return cpu
    }
}

extension CPUDB {
    public func decode(dump: CPUIDDump) throws(MigPlanError) -> DumpDecoding {
        var groups: [DumpDecoding.DistinctCPU] = []
        var packages = Set<UInt32>()
        for logical in dump.cpus {
            var cpu = try cpu(fromRaw: logical.raw, name: dump.file, origin: "CPUID dump \(dump.file)", captureFixes: true)
            if !cpu.unknown.isEmpty {
                let which = dump.flavour == .libcpuid ? "libcpuid's format holds sub-leaf 0 of leaves 7 and 0xD only, so" : "the dump has no value for their CPUID sub-leaf, so"
                cpu.notes.append("\(which) \(cpu.unknown.count) feature\(cpu.unknown.count == 1 ? " is" : "s are") unknown (never counted as present): \(names(cpu.unknown).joined(separator: ", "))")
            }
            let coreType = Self.coreType(logical.raw)
            if let i = groups.firstIndex(where: {
                $0.cpu.features == cpu.features && $0.cpu.signature == cpu.signature && $0.coreType == coreType
            }) {
                groups[i].logicalCPUs.append(logical.label)
            } else {
                groups.append(.init(cpu: cpu, logicalCPUs: [logical.label], coreType: coreType))
            }
            if let package = Self.packageID(logical.raw) { packages.insert(package) }
        }
        return DumpDecoding(dump: dump, distinct: groups, sockets: dump.cpus.count > 1 && !packages.isEmpty ? packages.count : nil)
    }

    /// Leaf 0x1A EAX[31:24]: 0x20 Atom (efficiency), 0x40 Core (performance).
    static func coreType(_ raw: RawCPUID) -> String? {
        guard raw.supports(leaf: 0x1A), let r = raw[0x1A] else { return nil }
        switch r.eax >> 24 {
        case 0x20:
            // Meteor Lake's low-power E-cores sit outside the compute tile: no L3 in leaf 4.
            let hasL3 = (0..<16).contains { (sub: UInt32) in
                guard let c = raw[4, sub] else { return false }
                return (c.eax >> 5) & 0x7 == 3
            }
            return hasL3 || raw[4, 0] == nil ? "efficiency" : "low-power efficiency"
        case 0x40: return "performance"
        default: return nil
        }
    }

    /// The package (socket) number of a logical CPU: its APIC ID without the core and thread bits.
    static func packageID(_ raw: RawCPUID) -> UInt32? {
        guard let leaf1 = raw[1] else { return nil }
        var apic = leaf1.ebx >> 24
        var shift: UInt32? = nil
        if raw.supports(leaf: 0xB), let first = raw[0xB, 0], first.ebx != 0 {
            apic = first.edx  // x2APIC ID
            for sub: UInt32 in 0..<8 {
                guard let r = raw[0xB, sub], (r.ecx >> 8) & 0xFF != 0 else { break }
                if (r.ecx >> 8) & 0xFF == 2 { shift = r.eax & 0x1F }
            }
        }
        if shift == nil, raw.supports(leaf: 0x8000_0008), let r = raw[0x8000_0008],
           let vendor = raw.vendorString, vendor == "AuthenticAMD" || vendor == "HygonGenuine" {
            let coreBits = (r.ecx >> 12) & 0xF
            shift = coreBits != 0 ? coreBits : bitsFor(count: (r.ecx & 0xFF) + 1)
        }
        if shift == nil {
            let htt = leaf1.edx & (1 << 28) != 0
            shift = htt ? bitsFor(count: (leaf1.ebx >> 16) & 0xFF) : 0
        }
        return apic >> shift!
    }

    private static func bitsFor(count: UInt32) -> UInt32 {
        var bits: UInt32 = 0
        while (1 << bits) < count { bits += 1 }
        return bits
    }
}
