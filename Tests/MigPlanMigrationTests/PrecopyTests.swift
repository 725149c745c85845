import Foundation
import Testing
@testable import MigPlanMigration

@Suite struct PrecopyTests {
    /// Against the closed form of the geometric series: Vᵢ = M·λⁱ (λ = D/B < 1), stop at the first
    /// i ≥ 1 with M·λⁱ/B·1000 + resume ≤ budget.
    @Test(arguments: [(8192.0, 100.0, 1100.0, 300.0), (65536, 500, 1100, 300), (16384, 900, 1100, 200),
                      (4096, 0, 1100, 300), (262144, 50, 110, 1000), (32768, 1000, 1250, 100)])
    func matchesTheGeometricSeries(m: Double, d: Double, b: Double, budget: Double) {
        let resume = 20.0
        let e = PrecopyEstimate.estimate(memoryMiB: m, dirtyRateMiBps: d, bandwidthMiBps: b, downtimeBudgetMs: budget,
                                         maxRounds: 30, resumeMs: resume)
        let lambda = d / b
        var n = 1
        while m * pow(lambda, Double(n)) / b * 1000 + resume > budget { n += 1 }
        #expect(e.converges == (n <= 30))
        guard n <= 30 else { return }
        #expect(e.rounds == n)
        let series = lambda == 0 ? m : m * (1 - pow(lambda, Double(n))) / (1 - lambda)  // rounds 0 … n−1
        let stop = m * pow(lambda, Double(n))
        #expect(abs(e.megabytes - (series + stop)) < 1e-6 * m)
        #expect(abs(e.downtimeMs - (stop / b * 1000 + resume)) < 1e-9 * m)
        #expect(abs(e.seconds - (series / b + e.downtimeMs / 1000)) < 1e-9 * m)
        #expect(e.downtimeMs <= budget)
    }

    @Test func dirtyRateAboveBandwidthDoesNotConverge() {
        let e = PrecopyEstimate.estimate(memoryMiB: 262144, dirtyRateMiBps: 1400, bandwidthMiBps: 1100,
                                         downtimeBudgetMs: 100, maxRounds: 30, resumeMs: 20)
        #expect(!e.converges && e.dirtyRateExceedsBandwidth)
        #expect(e.rounds == 30)
        // Each round re-sends all memory (Vᵢ = min(M, …)).
        #expect(abs(e.megabytes - 262144 * 31) < 1)
        // A tiny VM whose whole memory fits the budget still switches over at once.
        let tiny = PrecopyEstimate.estimate(memoryMiB: 64, dirtyRateMiBps: 5000, bandwidthMiBps: 1100,
                                            downtimeBudgetMs: 300, maxRounds: 30, resumeMs: 20)
        #expect(tiny.converges && tiny.rounds == 1 && tiny.dirtyRateExceedsBandwidth)
    }

    @Test func roundLimitDecides() {
        // λ = 0.9: needs many rounds to bring 64 GiB under 300 ms at 1100 MiB/s.
        let few = PrecopyEstimate.estimate(memoryMiB: 65536, dirtyRateMiBps: 990, bandwidthMiBps: 1100,
                                           downtimeBudgetMs: 300, maxRounds: 10, resumeMs: 20)
        let many = PrecopyEstimate.estimate(memoryMiB: 65536, dirtyRateMiBps: 990, bandwidthMiBps: 1100,
                                            downtimeBudgetMs: 300, maxRounds: 100, resumeMs: 20)
        #expect(!few.converges)
        #expect(many.converges && many.rounds > 10)
    }

    /// Clark et al. (NSDI'05) report downtimes of 60–210 ms for web and game servers migrated with
    /// pre-copy over gigabit Ethernet: VMs of 512–800 MiB with writable working sets of a few MiB
    /// per round. The model gives the same order for such a VM: a few rounds, well under 300 ms.
    @Test func clarkScaleWorkloadsGiveSubSecondDowntimes() {
        let gigabit = 119.0  // MiB/s of 1 Gbit/s
        for (memory, dirty) in [(800.0, 5.0), (512.0, 2.0), (800.0, 20.0)] {
            let e = PrecopyEstimate.estimate(memoryMiB: memory, dirtyRateMiBps: dirty, bandwidthMiBps: gigabit,
                                             downtimeBudgetMs: 300, maxRounds: 30, resumeMs: 20)
            #expect(e.converges)
            #expect(e.downtimeMs >= 20 && e.downtimeMs <= 300)
            #expect(e.seconds > memory / gigabit && e.seconds < 2 * memory / gigabit)
        }
    }
}
