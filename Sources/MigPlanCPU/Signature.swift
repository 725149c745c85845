/// A CPU's display family, model and stepping (extended fields applied), as in CPUID leaf 1.
public struct CPUSignature: Sendable, Hashable, CustomStringConvertible {
    public var family: Int
    public var model: Int
    public var stepping: Int

    public init(family: Int, model: Int, stepping: Int) {
        self.family = family
        self.model = model
        self.stepping = stepping
    }

    /// Decodes CPUID.1:EAX the way both vendors document it: the extended model applies to
    /// family 6 and 15, the extended family only to family 15.
    public init(cpuidEAX eax: UInt32) {
        let baseFamily = Int((eax >> 8) & 0xF)
        let baseModel = Int((eax >> 4) & 0xF)
        let extFamily = Int((eax >> 20) & 0xFF)
        let extModel = Int((eax >> 16) & 0xF)
        family = baseFamily == 0xF ? baseFamily + extFamily : baseFamily
        model = baseFamily == 0x6 || baseFamily == 0xF ? (extModel << 4) | baseModel : baseModel
        stepping = Int(eax & 0xF)
    }

    /// The CPUID.1:EAX value of this signature (no processor type).
    public var cpuidEAX: UInt32 {
        let baseFamily = min(family, 0xF)
        let extFamily = family >= 0xF ? family - 0xF : 0
        return UInt32(stepping & 0xF) | UInt32(model & 0xF) << 4 | UInt32(baseFamily) << 8
            | UInt32((model >> 4) & 0xF) << 16 | UInt32(extFamily & 0xFF) << 20
    }

    /// `06_55h stepping 7` style, as Intel's manuals write it.
    public var description: String {
        let f = String(family, radix: 16, uppercase: true)
        let m = String(model, radix: 16, uppercase: true)
        return "\(f.count < 2 ? "0" + f : f)_\(m.count < 2 ? "0" + m : m)h stepping \(stepping)"
    }
}

/// A family/model pair with an optional stepping range: libvirt's `<signature>`.
public struct SignatureRange: Sendable, Hashable {
    public var family: Int
    public var model: Int
    public var steppings: ClosedRange<Int>?

    public init(family: Int, model: Int, steppings: ClosedRange<Int>? = nil) {
        self.family = family
        self.model = model
        self.steppings = steppings
    }

    public func matches(_ s: CPUSignature) -> Bool {
        s.family == family && s.model == model && (steppings?.contains(s.stepping) ?? true)
    }

    /// `0-4`, `7` or nil.
    static func parseSteppings(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let lo = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let hi = Int(parts[parts.count - 1].trimmingCharacters(in: .whitespaces)),
              lo >= 0, lo <= hi
        else { return nil }
        return lo...hi
    }

    var text: String {
        guard let s = steppings else { return "\(family)/\(model)/*" }
        return "\(family)/\(model)/\(s.lowerBound == s.upperBound ? "\(s.lowerBound)" : "\(s.lowerBound)-\(s.upperBound)")"
    }
}

/// A CPU vendor class. CPUs of different vendors are never interchangeable for live migration.
public struct Vendor: Sendable, Hashable {
    /// cpudb's name: `Intel`, `AMD`, `Hygon`, `Zhaoxin`.
    public let name: String
    /// The 12-character strings CPUID leaf 0 returns for this vendor.
    public let cpuidStrings: [String]
    public let description: String
}

/// A named stepping or model class: family 6 model 85 is Skylake-SP at steppings 0–4 and
/// Cascade Lake at 5–7.
public struct Microarchitecture: Sendable, Hashable {
    public let vendor: String
    public let range: SignatureRange
    public let name: String
    public let codename: String?
}

/// A known erratum or capture artefact, applied when decoding a real CPU's registers (never to
/// named models): CPUs with these signatures report features they must not use (libvirt drops
/// TSX on Haswell parts whose microcode disabled it), or a dump tool hides a bit the CPU has.
public struct Erratum: Sendable, Hashable {
    public let name: String
    /// `cpu` (the CPU itself) or `capture` (how the dump was taken).
    public let kind: String
    public let vendor: String
    /// Signatures it applies to; empty = every CPU of the vendor.
    public let signatures: [SignatureRange]
    /// Applies only when all of these features are present.
    public let when: FeatureSet
    public let remove: FeatureSet
    public let add: FeatureSet
    public let source: String

    public func applies(vendor v: String?, signature: CPUSignature?, features: FeatureSet) -> Bool {
        guard v == vendor, when.isSubset(of: features) else { return false }
        if signatures.isEmpty { return true }
        guard let signature else { return false }
        return signatures.contains { $0.matches(signature) }
    }
}
