import CLibCPUID
import Foundation

/// What libcpuid itself makes of a CPU: its identification and its own flag names. migplan
/// decodes features through the cpudb catalogue; this is the second opinion, and the way to run
/// CPUID on this machine.
public struct LibCPUIDIdentity: Sendable, Hashable {
    public var vendorString: String
    public var brand: String
    public var family: Int
    public var model: Int
    public var stepping: Int
    /// Display family and model (extended fields applied).
    public var displayFamily: Int
    public var displayModel: Int
    public var cores: Int
    public var logicalCPUs: Int
    /// libcpuid's codename (its database is old: never decide on it).
    public var codename: String
    /// libcpuid's flag names (`cpu_feature_str`).
    public var flags: [String]
}

/// A small Swift face over libcpuid (Debian's libcpuid-dev).
public enum LibCPUID {
    /// Whether the CPUID instruction is available here.
    public static var isAvailable: Bool { cpuid_present() != 0 }

    /// Runs CPUID for one leaf/subleaf on this machine.
    public static func execute(leaf: UInt32, subleaf: UInt32 = 0) -> RawCPUID.Registers {
        var regs: [UInt32] = [leaf, 0, subleaf, 0]
        regs.withUnsafeMutableBufferPointer { cpu_exec_cpuid_ext($0.baseAddress) }
        return .init(eax: regs[0], ebx: regs[1], ecx: regs[2], edx: regs[3])
    }

    /// Reads every valid leaf of this CPU, with the sub-leaves of the leaves that have them.
    public static func readLocal() throws(MigPlanError) -> RawCPUID {
        guard isAvailable else { throw .unreadableFile("CPUID", reason: "the CPUID instruction is not available") }
        var raw = RawCPUID()
        for base: UInt32 in [0, 0x4000_0000, 0x8000_0000] {
            let top = execute(leaf: base).eax
            guard top >= base, top - base < 0x100 else { continue }
            for leaf in base...top {
                let first = execute(leaf: leaf)
                raw[leaf, 0] = first
                for subleaf in 1..<subleafCount(leaf, first) { raw[leaf, subleaf] = execute(leaf: leaf, subleaf: subleaf) }
            }
        }
        return raw
    }

    /// How many sub-leaves to read for a leaf, from what its sub-leaf 0 says.
    static func subleafCount(_ leaf: UInt32, _ first: RawCPUID.Registers) -> UInt32 {
        switch leaf {
        case 0x7, 0x14, 0x17, 0x18, 0x1D, 0x20, 0x23, 0x24: return min(first.eax, 63) + 1
        case 0x4, 0xB, 0xD, 0xF, 0x10, 0x12, 0x1F, 0x8000_001D, 0x8000_0020, 0x8000_0026: return 64
        default: return 1
        }
    }

    /// libcpuid's identification of raw data (this machine's, or a dump's).
    public static func identify(_ raw: RawCPUID) throws(MigPlanError) -> LibCPUIDIdentity {
        var data = cpu_raw_data_t()
        withUnsafeMutableBytes(of: &data.basic_cpuid) { store(raw, base: 0, into: $0) }
        withUnsafeMutableBytes(of: &data.ext_cpuid) { store(raw, base: 0x8000_0000, into: $0) }
        withUnsafeMutableBytes(of: &data.intel_fn4) { storeSubleaves(raw, leaf: 4, into: $0) }
        withUnsafeMutableBytes(of: &data.intel_fn11) { storeSubleaves(raw, leaf: 0xB, into: $0) }
        withUnsafeMutableBytes(of: &data.intel_fn12h) { storeSubleaves(raw, leaf: 0x12, into: $0) }
        withUnsafeMutableBytes(of: &data.intel_fn14h) { storeSubleaves(raw, leaf: 0x14, into: $0) }
        withUnsafeMutableBytes(of: &data.amd_fn8000001dh) { storeSubleaves(raw, leaf: 0x8000_001D, into: $0) }
        var id = cpu_id_t()
        let rc = cpu_identify(&data, &id)
        guard rc == 0 else {
            throw .invalidInput(file: "CPUID", line: nil, keyPath: nil,
                                message: "libcpuid cannot identify the CPU: \(String(cString: cpuid_error()))")
        }
        var flags: [String] = []
        withUnsafeBytes(of: id.flags) { bytes in
            for i in 0..<min(bytes.count, Int(NUM_CPU_FEATURES.rawValue)) where bytes[i] != 0 {
                if let name = cpu_feature_str(cpu_feature_t(rawValue: UInt32(i))) { flags.append(String(cString: name)) }
            }
        }
        return LibCPUIDIdentity(
            vendorString: cString(id.vendor_str), brand: cString(id.brand_str).trimmingCharacters(in: .whitespaces),
            family: Int(id.family), model: Int(id.model), stepping: Int(id.stepping),
            displayFamily: Int(id.ext_family), displayModel: Int(id.ext_model),
            cores: Int(id.num_cores), logicalCPUs: Int(id.num_logical_cpus),
            codename: cString(id.cpu_codename), flags: flags.sorted())
    }

    private static func store(_ raw: RawCPUID, base: UInt32, into buffer: UnsafeMutableRawBufferPointer) {
        let words = buffer.bindMemory(to: UInt32.self)
        for i in 0..<words.count / 4 {
            guard let r = raw[base + UInt32(i), 0] else { continue }
            words[i * 4] = r.eax; words[i * 4 + 1] = r.ebx; words[i * 4 + 2] = r.ecx; words[i * 4 + 3] = r.edx
        }
    }

    private static func storeSubleaves(_ raw: RawCPUID, leaf: UInt32, into buffer: UnsafeMutableRawBufferPointer) {
        let words = buffer.bindMemory(to: UInt32.self)
        for i in 0..<words.count / 4 {
            guard let r = raw[leaf, UInt32(i)] else { continue }
            words[i * 4] = r.eax; words[i * 4 + 1] = r.ebx; words[i * 4 + 2] = r.ecx; words[i * 4 + 3] = r.edx
        }
    }

    private static func cString<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension CPUDB {
    /// This machine's CPU, read with CPUID through libcpuid and decoded through the catalogue.
    public func probeLocal() throws(MigPlanError) -> (cpu: CPU, raw: RawCPUID, libcpuid: LibCPUIDIdentity) {
        let raw = try LibCPUID.readLocal()
        let identity = try LibCPUID.identify(raw)
        var cpu = try cpu(fromRaw: raw, name: ProcessInfo.processInfo.hostName, origin: "this machine (CPUID via libcpuid)")
        cpu.sockets = nil
        return (cpu, raw, identity)
    }
}
