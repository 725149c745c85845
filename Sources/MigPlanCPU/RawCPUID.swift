/// Raw CPUID (and MSR) values of one logical CPU, as a dump or libvirt's `<cpudata>` records them.
public struct RawCPUID: Sendable, Hashable {
    public struct Key: Sendable, Hashable, Comparable {
        public var leaf: UInt32
        public var subleaf: UInt32
        public init(leaf: UInt32, subleaf: UInt32) {
            self.leaf = leaf
            self.subleaf = subleaf
        }
        public static func < (a: Key, b: Key) -> Bool { (a.leaf, a.subleaf) < (b.leaf, b.subleaf) }
    }

    public struct Registers: Sendable, Hashable {
        public var eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32
        public init(eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
            self.eax = eax; self.ebx = ebx; self.ecx = ecx; self.edx = edx
        }
        public subscript(_ r: CPUIDRegister) -> UInt32 {
            switch r {
            case .eax: eax
            case .ebx: ebx
            case .ecx: ecx
            case .edx: edx
            }
        }
    }

    public var leaves: [Key: Registers] = [:]
    public var msrs: [UInt32: UInt64] = [:]

    public init() {}

    public subscript(leaf: UInt32, subleaf: UInt32 = 0) -> Registers? {
        get { leaves[Key(leaf: leaf, subleaf: subleaf)] }
        set { leaves[Key(leaf: leaf, subleaf: subleaf)] = newValue }
    }

    /// The 12-character vendor string of leaf 0 (EBX, EDX, ECX).
    public var vendorString: String? {
        guard let r = self[0] else { return nil }
        var bytes: [UInt8] = []
        for word in [r.ebx, r.edx, r.ecx] {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((word >> UInt32(shift)) & 0xFF)) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var signature: CPUSignature? { self[1].map { CPUSignature(cpuidEAX: $0.eax) } }

    /// The 48-character brand string of leaves 0x80000002–4, trimmed.
    public var brand: String? {
        var bytes: [UInt8] = []
        for leaf: UInt32 in 0x8000_0002...0x8000_0004 {
            guard let r = self[leaf] else { return nil }
            for word in [r.eax, r.ebx, r.ecx, r.edx] {
                for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((word >> UInt32(shift)) & 0xFF)) }
            }
        }
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Whether a leaf exists on this CPU: at most the maximum basic (leaf 0) or extended
    /// (0x80000000) leaf. Values beyond it are what the CPU returns for invalid leaves, not data.
    public func supports(leaf: UInt32) -> Bool {
        let range: UInt32 = leaf & 0xFFFF_0000
        guard let max = self[range]?.eax else { return false }
        return leaf <= max && (max & 0xFFFF_0000) == range
    }
}

extension CPUDB {
    /// The features whose bits are set, through the catalogue (every cpudb feature, not only
    /// those a decoding library names), and the CPUID features the data cannot tell: their leaf
    /// exists on the CPU and their sub-leaf is defined there, but the data holds no value for it
    /// (libcpuid's format keeps sub-leaf 0 of leaves 7 and 0xD only). MSR features are never
    /// unknown: no CPUID dump holds MSRs.
    public func features(of raw: RawCPUID) -> (present: FeatureSet, unknown: FeatureSet) {
        var present = FeatureSet(), unknown = FeatureSet()
        for f in features {
            switch f.location {
            case let .cpuid(leaf, subleaf, register, bit):
                guard raw.supports(leaf: leaf) else { continue }
                if let r = raw[leaf, subleaf] {
                    if r[register] & (1 << UInt32(bit)) != 0 { present.insert(f.index) }
                } else if Self.subleafMayExist(leaf: leaf, subleaf: subleaf, raw: raw) {
                    unknown.insert(f.index)
                }
            case let .msr(index, bit):
                if let v = raw.msrs[index], v & (1 << UInt64(bit)) != 0 { present.insert(f.index) }
            }
        }
        return (present, unknown)
    }

    /// False when the data itself shows a sub-leaf is not defined on this CPU (so its bits are
    /// known to be zero); true when it is defined or the data cannot tell.
    static func subleafMayExist(leaf: UInt32, subleaf: UInt32, raw: RawCPUID) -> Bool {
        switch leaf {
        case 7:
            // Sub-leaf 0 EAX: the highest sub-leaf.
            guard let s0 = raw[7, 0] else { return true }
            return subleaf <= s0.eax
        case 0x12:
            // SGX enumeration exists only with CPUID.7.0:EBX[2] (sgx).
            guard let s0 = raw[7, 0] else { return true }
            return s0.ebx & (1 << 2) != 0
        case 0xF where subleaf > 0:
            // Sub-leaf n of the QoS monitoring leaf exists when sub-leaf 0 EDX bit n says so.
            guard let s0 = raw[0xF, 0] else { return true }
            return subleaf < 32 && s0.edx & (1 << subleaf) != 0
        default:
            return true
        }
    }

    /// A CPU from raw CPUID: vendor from leaf 0, signature from leaf 1, features from the
    /// catalogue, errata applied (TSX on the Haswell parts libvirt lists), and the libvirt host
    /// model that describes it best.
    ///
    /// `captureFixes` also applies the dump-tool artefacts of cpudb's errata (SYSCALL read from
    /// 32-bit code); libvirt's own captures and this machine's CPUID are read as they are.
    public func cpu(fromRaw raw: RawCPUID, name: String, origin: String, captureFixes: Bool = false) throws(MigPlanError) -> CPU {
        guard let vendorString = raw.vendorString else {
            throw .invalidInput(file: name, line: nil, keyPath: nil, message: "no CPUID leaf 0 (vendor) in the data")
        }
        let vendor = self.vendor(named: vendorString)
        guard let vendor else {
            throw .invalidInput(file: name, line: nil, keyPath: nil,
                                message: "unknown CPU vendor string '\(vendorString)' in CPUID leaf 0")
        }
        guard let signature = raw.signature else {
            throw .invalidInput(file: name, line: nil, keyPath: nil, message: "no CPUID leaf 1 (signature) in the data")
        }
        let read = features(of: raw)
        let (set, notes) = applyErrata(read.present, vendor: vendor.name, signature: signature,
                                       kinds: captureFixes ? ["cpu", "capture"] : ["cpu"])
        let fit = decode(vendor: vendor.name, signature: signature, features: set, kind: .host)
        return CPU(name: name, vendor: vendor.name, signature: signature, features: set,
                   model: fit?.model, brand: raw.brand, origin: origin, notes: notes,
                   unknown: read.unknown)
    }
}

import Foundation
