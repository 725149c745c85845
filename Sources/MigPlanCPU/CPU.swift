/// A concrete CPU as migplan reasons about it: a vendor, optionally a signature, and the set of
/// features it offers (or, for a guest, exposes).
public struct CPU: Sendable, Hashable {
    /// How the user named it: a model name, a file path, a host name.
    public var name: String
    /// cpudb vendor name; nil for vendor-neutral CPUs (a named level such as `x86-64-v2`).
    public var vendor: String?
    public var signature: CPUSignature?
    public var features: FeatureSet
    /// Features the input could not say anything about (a dump format without the CPUID sub-leaf
    /// that holds them). Never in `features`: a check treats them as unproven, not as absent.
    public var unknown: FeatureSet
    /// The cpudb model it was defined from, if any.
    public var model: CPUModel?
    public var brand: String?
    public var sockets: Int?
    /// What produced it: `cpudb model`, `host descriptor`, …
    public var origin: String
    /// Notes gathered while reading it (errata applied, which socket of a dump was used…).
    public var notes: [String]

    public init(name: String, vendor: String?, signature: CPUSignature? = nil, features: FeatureSet,
                model: CPUModel? = nil, brand: String? = nil, sockets: Int? = nil,
                origin: String, notes: [String] = [], unknown: FeatureSet = FeatureSet()) {
        self.name = name
        self.vendor = vendor
        self.signature = signature
        self.features = features
        self.unknown = unknown.subtracting(features)
        self.model = model
        self.brand = brand
        self.sockets = sockets
        self.origin = origin
        self.notes = notes
    }

    /// The CPU a named model describes.
    public init(model: CPUModel) {
        self.init(name: model.name, vendor: model.vendor, signature: nil, features: model.features,
                  model: model, origin: "cpudb \(model.kind.rawValue) model \(model.qualifiedName)")
    }
}

extension CPUDB {
    /// What a migratable guest can see of this CPU: features marked non-migratable are never
    /// exposed to one (libvirt `migratable='no'`, e.g. `invtsc`).
    public func guestVisible(_ features: FeatureSet) -> FeatureSet {
        features.intersection(migratableFeatures)
    }
}
