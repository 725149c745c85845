/// A general-purpose register that CPUID returns.
public enum CPUIDRegister: String, Sendable, Hashable, CaseIterable, Codable {
    case eax, ebx, ecx, edx
}

/// Where a feature bit lives: a CPUID leaf/subleaf/register bit, or a bit of an MSR.
public enum FeatureLocation: Sendable, Hashable {
    case cpuid(leaf: UInt32, subleaf: UInt32, register: CPUIDRegister, bit: Int)
    case msr(index: UInt32, bit: Int)

    /// `CPUID.(EAX=07H,ECX=0):EBX[5]` or `MSR 0x10A[0]`.
    public var description: String {
        switch self {
        case let .cpuid(leaf, subleaf, register, bit):
            let l = String(leaf, radix: 16, uppercase: true)
            return "CPUID.(EAX=\(l)H,ECX=\(subleaf)):\(register.rawValue.uppercased())[\(bit)]"
        case let .msr(index, bit):
            return "MSR 0x\(String(index, radix: 16, uppercase: true))[\(bit)]"
        }
    }
}

/// Where an alternative feature name comes from.
public enum AliasSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// Linux `/proc/cpuinfo` flags.
    case linux
    /// QEMU `-cpu` property names.
    case qemu
    /// libcpuid `cpu_feature_str` names.
    case libcpuid
    /// Xen libxl `cpuid=` option names.
    case xen
    /// Names used in Intel's and AMD's manuals and in common speech (`sse3`).
    case manual
}

/// One feature of the catalogue. Its canonical name is libvirt's cpu_map name.
public struct CPUFeature: Sendable, Hashable {
    /// Position in the catalogue, and the bit of this feature in a ``FeatureSet``.
    public let index: Int
    public let name: String
    public let location: FeatureLocation
    /// `false` for features a migratable guest never sees (libvirt: `migratable='no'`).
    public let migratable: Bool
    public let aliases: [AliasSource: [String]]

    /// The name another tool uses, or the canonical name when it has none of its own.
    public func name(for source: AliasSource) -> String {
        aliases[source]?.first ?? name
    }
}
