/// The common CPU of several hosts and what each must hide to present it.
public struct Baseline: Sendable, Hashable {
    public struct HostMask: Sendable, Hashable {
        public var cpu: CPU
        /// Catalogue indices this host has beyond the baseline: what it must mask.
        public var disable: FeatureSet
    }

    public var vendor: String?
    /// The common feature set.
    public var features: FeatureSet
    /// The best libvirt model whose features are all in the common set (same vendor or
    /// vendor-neutral), most features first.
    public var model: CPUModel?
    /// Common features `model` lacks.
    public var extra: FeatureSet
    /// libvirt's own choice for the same set (a guest decode: it may name a model and disable
    /// some of its features). What the libvirt and QEMU masks write.
    public var libvirt: ModelFit?
    /// The highest VMware EVC mode contained in the common set.
    public var evcMode: CPUModel?
    /// The highest x86-64 psABI level contained in the common set.
    public var level: CPUModel?
    public var hosts: [HostMask]
    /// Features left out because some host's data cannot tell whether it has them (`CPU.unknown`)
    /// while every host may: a full CPUID dump of those hosts could add them to the baseline.
    public var unknown: FeatureSet
    /// Non-migratable features were left out (the default for live migration).
    public var migratable: Bool
}

/// Why no baseline exists.
public enum BaselineFailure: Error, Sendable, Hashable {
    /// Hosts of different vendors: never one live-migration domain. Host names by vendor.
    case vendorMismatch([String: [String]])
    /// Same vendor, but no feature in common.
    case noCommonFeatures
}

extension CPUDB {
    /// The baseline of several CPUs: the intersection of their (guest-visible, unless
    /// `migratable` is false) feature sets, named by the best model inside it, plus what each
    /// host must mask — as VMware EVC and `virsh cpu-baseline` do.
    public func baseline(_ cpus: [CPU], migratable: Bool = true) throws(MigPlanError) -> Result<Baseline, BaselineFailure> {
        guard !cpus.isEmpty else { throw .emptyHostList }
        var groups: [String: [String]] = [:]
        for cpu in cpus { if let v = cpu.vendor { groups[v, default: []].append(cpu.name) } }
        if groups.count > 1 { return .failure(.vendorMismatch(groups)) }
        let vendor = groups.keys.first

        func visible(_ s: FeatureSet) -> FeatureSet { migratable ? guestVisible(s) : s }
        var common = visible(cpus[0].features)
        for cpu in cpus.dropFirst() { common.formIntersection(visible(cpu.features)) }
        // What each host may have, counting features its data cannot tell about.
        let maybe = cpus.map { visible($0.features.union($0.unknown)) }
        let possible = maybe.dropFirst().reduce(maybe[0]) { $0.intersection($1) }
        if common.isEmpty { return .failure(.noCommonFeatures) }

        // The spec's "same vendor": a vendor-neutral model (kvm64, qemu64) only when none of the
        // vendor's own fits.
        let model = bestContainedModel(common, vendor: vendor, kinds: [.libvirt], vendorSpecific: vendor != nil)
            ?? bestContainedModel(common, vendor: vendor, kinds: [.libvirt])
        // libvirt prefers the inputs' own model names when every input was given as a model.
        let names = cpus.compactMap { $0.model?.kind == .libvirt ? $0.model?.name : nil }
        var preferred: [String] = []
        if names.count == cpus.count { for n in names where !preferred.contains(n) { preferred.append(n) } }
        let libvirtFit = decode(vendor: vendor, signature: nil, features: common, kind: .guest,
                                preferred: preferred)
        return .success(Baseline(
            vendor: vendor, features: common, model: model,
            extra: model.map { common.subtracting($0.features) } ?? common,
            libvirt: libvirtFit,
            evcMode: bestContainedModel(common, vendor: vendor, kinds: [.evc]),
            level: bestContainedModel(common, vendor: nil, kinds: [.level]),
            // A host masks its unknown features too: hiding a bit the CPU lacks changes nothing.
            hosts: zip(cpus, maybe).map { Baseline.HostMask(cpu: $0, disable: $1.subtracting(common)) },
            unknown: possible.subtracting(common),
            migratable: migratable))
    }

    /// The model of the given kinds with the most features that are all in `features`, of the
    /// vendor or vendor-neutral; ties go to the newer (later) model.
    public func bestContainedModel(_ features: FeatureSet, vendor: String?, kinds: Set<CPUModel.Kind>,
                                   vendorSpecific: Bool = false) -> CPUModel? {
        var best: CPUModel? = nil
        for m in models where kinds.contains(m.kind) {
            if m.kind == .libvirt && !m.decodeHost && !m.decodeGuest { continue }  // cpu64-rhel*
            if let mv = m.vendor, mv != vendor { continue }
            if vendorSpecific && m.vendor == nil { continue }
            guard m.features.isSubset(of: features) else { continue }
            if best == nil || m.features.count >= best!.features.count { best = m }
        }
        return best
    }
}
