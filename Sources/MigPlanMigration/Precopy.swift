/// The pre-copy live-migration cost of one VM (Clark et al. NSDI'05; Liu et al. HPDC'11), exactly
/// as shared/spec/inventory.md defines it:
///
/// round 0 sends all memory M; round i ≥ 1 would send Vᵢ = min(M, Vᵢ₋₁·D/B), what was dirtied
/// while round i−1 was sent. Before each round i ≥ 1, if Vᵢ/B·1000 + resume fits the downtime
/// budget, the VM pauses and Vᵢ is the stop-and-copy. If that never happens within the round
/// limit, the VM does not converge and cannot live-migrate.
public struct PrecopyEstimate: Sendable, Hashable, Codable {
    /// The switch-over fits the budget within the round limit.
    public var converges: Bool
    /// Pre-copy rounds sent before the stop-and-copy (round 0 included).
    public var rounds: Int
    /// Total migration time: the pre-copy rounds plus the downtime.
    public var seconds: Double
    /// The pause: stop-and-copy plus resume.
    public var downtimeMs: Double
    /// Everything sent, stop-and-copy included, in MiB.
    public var megabytes: Double
    /// D ≥ B: each round re-sends everything; only a tiny VM can still fit its budget.
    public var dirtyRateExceedsBandwidth: Bool

    public static func estimate(memoryMiB m: Double, dirtyRateMiBps d: Double, bandwidthMiBps b: Double,
                                downtimeBudgetMs budget: Double, maxRounds: Int, resumeMs: Double) -> PrecopyEstimate {
        var sent = m          // round 0
        var previous = m
        var rounds = 1
        var i = 1
        while i <= maxRounds {
            let v = min(m, previous * d / b)
            let pause = v / b * 1000 + resumeMs
            if pause <= budget {
                return PrecopyEstimate(converges: true, rounds: rounds, seconds: sent / b + pause / 1000,
                                       downtimeMs: pause, megabytes: sent + v, dirtyRateExceedsBandwidth: d >= b)
            }
            if i == maxRounds { break }
            sent += v
            previous = v
            rounds += 1
            i += 1
        }
        // Does not converge: report what the round limit sent and the pause it would force.
        let v = min(m, previous * d / b)
        return PrecopyEstimate(converges: false, rounds: rounds, seconds: sent / b + (v / b * 1000 + resumeMs) / 1000,
                               downtimeMs: v / b * 1000 + resumeMs, megabytes: sent + v, dirtyRateExceedsBandwidth: d >= b)
    }
}
