/// How a source CPU's guest-visible feature set relates to a destination's.
public enum CPUVerdict: String, Sendable, Hashable, Codable {
    case identical
    /// Source ⊂ destination: a guest of the source can move to the destination.
    case subset
    /// Source ⊃ destination.
    case superset
    /// Neither contains the other, or the vendors differ.
    case incompatible
}

/// One reason a check failed or needs attention.
public struct Reason: Sendable, Hashable, Codable {
    /// `cpu-vendor`, `cpu-feature`, …
    public var kind: String
    public var detail: String
    public init(kind: String, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

/// The answer to "can a guest exposing `source` live-migrate to `destination`?" on CPU grounds.
public struct CPUComparison: Sendable, Hashable {
    public var source: CPU
    public var destination: CPU
    public var verdict: CPUVerdict
    /// True when the vendors agree (or one side is vendor-neutral) and every guest-visible
    /// feature of the source is known to be on the destination.
    public var compatible: Bool
    /// Canonical names the source exposes and the destination lacks (what blocks source → destination).
    public var missing: [String]
    /// Canonical names the source exposes that the destination's data cannot tell about (see
    /// `CPU.unknown`): not proven present, so they block a compatible answer too.
    public var unverified: [String]
    /// Canonical names the destination has and the source lacks.
    public var extra: [String]
    /// Non-migratable features of either side, left out of the comparison.
    public var ignored: [String]
    public var vendorMismatch: Bool
    public var reasons: [Reason]
}

extension CPUDB {
    /// Compares the guest-visible feature sets of two CPUs: libvirt's and vMotion's rule (same
    /// vendor, and the destination offers every feature the guest sees).
    public func compare(_ source: CPU, _ destination: CPU) -> CPUComparison {
        let s = guestVisible(source.features)
        let d = guestVisible(destination.features)
        let ignored = names(source.features.union(destination.features).subtracting(migratableFeatures))
        let notOnDestination = s.subtracting(d)
        let unverified = notOnDestination.intersection(destination.unknown)
        let missing = notOnDestination.subtracting(unverified)
        let extra = d.subtracting(s)
        let vendorMismatch = source.vendor != nil && destination.vendor != nil && source.vendor != destination.vendor
        let verdict: CPUVerdict
        if vendorMismatch {
            verdict = .incompatible
        } else if notOnDestination.isEmpty {
            verdict = extra.isEmpty ? .identical : .subset
        } else {
            verdict = extra.isEmpty ? .superset : .incompatible
        }
        var reasons: [Reason] = []
        if vendorMismatch {
            reasons.append(Reason(kind: "cpu-vendor",
                                  detail: "\(source.name) is \(source.vendor!), \(destination.name) is \(destination.vendor!): a guest never moves between CPU vendors"))
        }
        let missingNames = names(missing), unverifiedNames = names(unverified)
        if !missing.isEmpty {
            let list = missingNames
            reasons.append(Reason(kind: "cpu-feature",
                                  detail: "\(destination.name) lacks \(list.count) feature\(list.count == 1 ? "" : "s") \(source.name) exposes: \(list.joined(separator: ", "))"))
        }
        if !unverified.isEmpty {
            let list = unverifiedNames
            reasons.append(Reason(kind: "cpu-feature-unknown",
                                  detail: "\(destination.name)'s data cannot tell whether it has \(list.count == 1 ? "a feature" : "\(list.count) features") \(source.name) exposes: \(list.joined(separator: ", ")) (use a full CPUID dump, e.g. `cpuid -r -1`, or a libvirt capabilities file)"))
        }
        return CPUComparison(source: source, destination: destination, verdict: verdict,
                             compatible: !vendorMismatch && notOnDestination.isEmpty,
                             missing: missingNames, unverified: unverifiedNames, extra: names(extra), ignored: ignored,
                             vendorMismatch: vendorMismatch, reasons: reasons)
    }
}
