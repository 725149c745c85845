/// A named model plus the features to add to it and remove from it so that it describes a CPU
/// exactly: libvirt's `<model>` with `<feature policy='require'|'disable'>`.
public struct ModelFit: Sendable, Hashable {
    public var model: CPUModel
    /// Catalogue indices the CPU has beyond the model, in catalogue order.
    public var added: [Int]
    /// Catalogue indices the model has and the CPU lacks, in catalogue order, then the model's
    /// `removedFeatures` the CPU lacks.
    public var removed: [Int]
}

/// Which of libvirt's two decoders to follow.
public enum DecodeKind: Sendable, Hashable {
    /// Host CPU decode (`virsh capabilities`): the model must be a subset of the CPU, the score is
    /// the number of added features.
    case host
    /// Guest CPU decode (baseline, host-model): removed features are allowed at a growing
    /// penalty.
    case guest
}

extension CPUDB {
    /// Picks the libvirt model that describes a CPU best, exactly as libvirt 9.0's `x86Decode`:
    /// newest model first; a model whose signature matches the CPU beats one whose signature does
    /// not; then the shortest feature list (added + weighted removed) wins; ties keep the newer
    /// model. `preferred` are model names a baseline's inputs used. Returns nil when no model fits
    /// (every candidate would need removed features in a host decode).
    public func decode(vendor: String?, signature: CPUSignature?, features: FeatureSet,
                       kind: DecodeKind, preferred: [String] = []) -> ModelFit? {
        var current: (model: CPUModel, fit: ModelFit)? = nil
        for candidate in models.reversed() where candidate.kind == .libvirt {
            if let vendor, let cv = candidate.vendor, vendor != cv { continue }
            let fit = self.fit(features, to: candidate, kind: kind)
            switch useCandidate(current: current?.fit, candidate: fit, kind: kind,
                                signature: signature, preferred: preferred) {
            case .keep: continue
            case .replace: current = (candidate, fit)
            case .replaceAndStop: return fit
            }
        }
        return current?.fit
    }

    /// The added and removed features of a CPU relative to one model.
    public func fit(_ features: FeatureSet, to model: CPUModel, kind: DecodeKind) -> ModelFit {
        let added = features.subtracting(model.features).indices
        var removed = model.features.subtracting(features).indices
        if kind == .guest {
            // libvirt adds the model's removed features as `disable` unless the CPU has them.
            removed += model.removedFeatures.subtracting(features).indices
        }
        return ModelFit(model: model, added: added, removed: removed)
    }

    private enum Choice { case keep, replace, replaceAndStop }

    private func useCandidate(current: ModelFit?, candidate: ModelFit, kind: DecodeKind,
                              signature: CPUSignature?, preferred: [String]) -> Choice {
        let model = candidate.model
        switch kind {
        case .host:
            guard model.decodeHost, candidate.removed.isEmpty else { return .keep }
        case .guest:
            guard model.decodeGuest else { return .keep }
        }
        let isPreferred = preferred.contains(model.name)
        if isPreferred && preferred.count == 1 { return .replaceAndStop }
        guard let current else { return .replace }
        if let signature {
            let currentMatches = current.model.matches(signature)
            let candidateMatches = model.matches(signature)
            if currentMatches && !candidateMatches { return .keep }
            if !currentMatches && candidateMatches { return .replace }
        }
        let (currentScore, currentDisabled) = score(current, kind: kind)
        let (candidateScore, candidateDisabled) = score(candidate, kind: kind)
        if candidateScore < currentScore
            || (candidateScore == currentScore && candidateDisabled < currentDisabled) {
            return .replace
        }
        if isPreferred && candidateDisabled < currentDisabled { return .replace }
        return .keep
    }

    /// libvirt's `virCPUx86CompareCandidateFeatureList` score: for a guest decode the k-th
    /// removed feature costs k + 1 (2, 3, 4, …). The loop bound shrinks as removed features are
    /// met, exactly as libvirt 9.0 iterates, so trailing removed features may go uncounted.
    private func score(_ fit: ModelFit, kind: DecodeKind) -> (total: Int, disabled: Int) {
        let n = fit.added.count + fit.removed.count
        guard kind == .guest else { return (n, 0) }
        var enabled = n
        var disabled = 0
        var penalty = 2
        var i = 0
        while i < enabled {
            if i >= fit.added.count {  // entries after the added ones are the removed ones
                enabled -= 1
                disabled += penalty
                penalty += 1
            }
            i += 1
        }
        return (enabled + disabled, disabled)
    }
}
