/// A named CPU: a libvirt model, a VMware EVC baseline or an x86-64 psABI level.
public struct CPUModel: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// libvirt/QEMU named models (`Skylake-Server`).
        case libvirt
        /// VMware EVC baselines (`intel-skylake`).
        case evc
        /// x86-64 micro-architecture levels (`x86-64-v3`).
        case level
    }

    public let name: String
    /// A model never changes meaning: a changed feature list is a new version.
    public let version: Int
    public let kind: Kind
    /// cpudb vendor name, or nil for vendor-neutral models (`qemu64`, `x86-64-v2`).
    public let vendor: String?
    public let signatures: [SignatureRange]
    public let features: FeatureSet
    /// Features that are not part of the model but that libvirt disables in a guest CPU it
    /// decodes to this model (`<feature removed='yes'>`: `monitor` on EPYC).
    public let removedFeatures: FeatureSet
    /// libvirt's `<decode host= guest=>`: whether decoding may pick this model.
    public let decodeHost: Bool
    public let decodeGuest: Bool
    /// A short human label (`Intel Skylake Generation`), when the data has one.
    public let title: String?
    public let source: String
    /// Stable hash of name, version, vendor, signatures and features.
    public let fingerprint: String
    /// Position in cpudb (libvirt's cpu_map order for libvirt models).
    public let order: Int

    public var qualifiedName: String { "\(name)@\(version)" }

    public func matches(_ signature: CPUSignature) -> Bool {
        signatures.contains { $0.matches(signature) }
    }

    /// FNV-1a 64 over the model's defining text; `scripts/cpudb-import-libvirt.py` computes
    /// the same value.
    static func fingerprint(name: String, version: Int, vendor: String?,
                            signatures: [SignatureRange], featureNames: [String]) -> String {
        let text = [name, String(version), vendor ?? "",
                    signatures.map(\.text).joined(separator: ";"),
                    featureNames.sorted().joined(separator: ",")].joined(separator: "\n")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
