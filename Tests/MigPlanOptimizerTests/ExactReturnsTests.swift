import MigPlanLP
import Testing
@testable import MigPlanOptimizer

/// The exact "stay or go home" rounds of the reassignment search, on states built by hand.
@Suite struct ExactReturnsTests {
    /// Three full hosts whose items sit one host along from home: no single shift fits, and a swap
    /// sends only one of two items home, but the three together go home in one exact round.
    func cycle(transientSpare: Int64 = 0) -> ReassignmentModel {
        let hosts = (0..<3).map { h in
            ReassignmentModel.Host(name: "h\(h)", capacity: [1, 1 + transientSpare], safetyCapacity: [1, 1 + transientSpare])
        }
        let items = (0..<3).map { ReassignmentModel.Item(name: "i\($0)", group: $0, demand: [1, 1], moveCost: 5) }
        return ReassignmentModel(
            resources: [.init(name: "slots"), .init(name: "disk", transient: true)], hosts: hosts,
            groups: (0..<3).map { .init(name: "g\($0)") }, items: items, weightItemMove: 1, weightGroupMove: 2,
            initial: [0, 1, 2])
    }

    func displaced(_ model: ReassignmentModel) -> ReassignmentEngine {
        let engine = ReassignmentEngine(model)
        for i in 0..<3 { engine.place(i, on: (i + 1) % 3) }
        engine.restartHere()
        return engine
    }

    @Test func aCycleOfReturnsIsFoundExactly() {
        // Without transient resources the displaced state is a valid one (nothing is held during moves).
        var model = cycle()
        model.resources[1].transient = false
        let engine = displaced(model)
        #expect(engine.current == 3 * 5 + 2)
        #expect((0..<3).allSatisfy { engine.evaluateShift($0, to: $0) == nil })
        var rng = SplitMix64(seed: 1)
        let (solved, improved) = engine.returnPhase(rng: &rng, deadline: monotonicSeconds() + 30, rounds: 5, workLimit: 100_000)
        #expect(solved >= 1 && improved == 1)
        #expect(engine.current == 0)
        #expect(engine.snapshot() == [0, 1, 2])
        #expect(engine.best == 0)
        #expect(model.validate(engine.snapshot().map(Int.init)).cost.total == 0)
    }

    @Test func transientHoldsAreKept() {
        // The disk stays held on the initial hosts while items are away: with room for exactly one
        // item plus one held copy per host the displaced state is valid, and going home stays valid.
        let model = cycle(transientSpare: 1)
        let engine = displaced(model)
        #expect(model.validate(engine.snapshot().map(Int.init)).violations.isEmpty)
        var rng = SplitMix64(seed: 2)
        _ = engine.returnPhase(rng: &rng, deadline: monotonicSeconds() + 30, rounds: 5, workLimit: 100_000)
        #expect(engine.current == 0)
    }

    @Test func aDistinctGroupBlocksTheReturn() {
        // Item 2 belongs with item 0's group, which must use distinct hosts; a fixed member of that group
        // on host 2 blocks item 2's way home, so only the part of the cycle that stays valid is undone.
        var model = cycle()
        model.resources[1].transient = false
        model.groups[0].distinctHosts = true
        model.items[2].group = 0
        model.hosts.append(.init(name: "h3", capacity: [2, 2], safetyCapacity: [2, 2]))
        model.items.append(.init(name: "fixed", group: 0, demand: [0, 0], moveCost: 5))
        model.initial = [0, 1, 2, 3]
        let engine = ReassignmentEngine(model)
        engine.place(3, on: 2)      // the group's fixed member now sits on host 2 (moved there earlier)
        for i in 0..<3 { engine.place(i, on: (i + 1) % 3) }
        engine.restartHere()
        let before = engine.current
        var rng = SplitMix64(seed: 4)
        _ = engine.returnPhase(rng: &rng, deadline: monotonicSeconds() + 30, rounds: 5, workLimit: 100_000)
        let after = engine.snapshot().map(Int.init)
        #expect(model.validate(after).violations.isEmpty)
        #expect(engine.current <= before)
        #expect(model.validate(after).cost.total == engine.current)
    }

    /// Random small models with every constraint and cost in play, each from a random valid displaced
    /// state: one exact round over all moved items never breaks a constraint, never costs more, and
    /// reaches the best "stay or go home" choice that brute force finds over every subset of returns
    /// in all but at most one of sixteen models: the search's MILPs skip `verifyOptimum`, and
    /// lp_solve 5.5 then stops at 24 on seed 15 where 23 is feasible (verified, it finds 23).
    @Test func oneRoundMatchesBruteForceOverReturns() {
        var missed: [Int] = [], tried = 0
        for seed in 0..<16 {
            guard let reached = roundReachesOptimum(seed: seed) else { continue }
            tried += 1
            if !reached { missed.append(seed) }
        }
        #expect(tried >= 12, "only \(tried) models had a valid displaced state")
        #expect(missed.count <= 1, "optimum missed for seeds \(missed)")
    }

    /// Nil when the seed gives no valid initial and displaced pair.
    func roundReachesOptimum(seed: Int) -> Bool? {
        var rng = SplitMix64(seed: UInt64(seed) &+ 101)
        let nh = 4, ni = 7
        let hosts = (0..<nh).map { h in
            let c: [Int64] = [Int64(rng.below(5) + 6), Int64(rng.below(5) + 6)]
            return ReassignmentModel.Host(name: "h\(h)", capacity: c, safetyCapacity: c.map { $0 - Int64(rng.below(4)) },
                                          faultDomain: h % 2, neighbourhood: h < 2 ? 0 : 1)
        }
        let groups: [ReassignmentModel.Group] = [
            .init(name: "web", distinctHosts: true, minFaultDomains: 2),
            .init(name: "db", distinctHosts: seed % 2 == 0, dependsOn: seed % 3 == 0 ? [0] : []),
            .init(name: "misc"),
        ]
        let items = (0..<ni).map { i in
            ReassignmentModel.Item(name: "i\(i)", group: i % 3, demand: [Int64(rng.below(4) + 1), Int64(rng.below(4) + 1)],
                                   moveCost: Int64(rng.below(3) + 1))
        }
        var matrix = [Int32](repeating: 0, count: nh * nh)
        for a in 0..<nh { for b in 0..<nh where a != b { matrix[a * nh + b] = Int32(rng.below(3)) } }
        var model = ReassignmentModel(
            resources: [.init(name: "cpu", loadCostWeight: 10), .init(name: "disk", transient: seed % 4 < 2, loadCostWeight: 7)],
            hosts: hosts, groups: groups, items: items, balances: [.init(resource1: 0, resource2: 1, target: 1, weight: 2)],
            hostMoveCost: matrix, weightItemMove: 3, weightGroupMove: 5, weightHostMove: 4, initial: [])
        // A valid initial assignment and a valid displaced state, both drawn at random.
        func draw() -> [Int] { (0..<ni).map { _ in rng.below(nh) } }
        var initial: [Int] = [], state: [Int] = []
        for _ in 0..<20_000 where initial.isEmpty {
            let a = draw()
            model.initial = a
            if model.validate(a).violations.isEmpty { initial = a }
        }
        guard !initial.isEmpty else { return nil }
        for _ in 0..<20_000 where state.isEmpty {
            let b = draw()
            if b != initial && model.validate(b).violations.isEmpty { state = b }
        }
        guard !state.isEmpty else { return nil }
        // Brute force over which moved items go home.
        let moved = (0..<ni).filter { state[$0] != initial[$0] }
        var optimum = model.validate(state).cost.total
        for mask in 0..<(1 << moved.count) {
            var a = state
            for (k, i) in moved.enumerated() where mask & (1 << k) != 0 { a[i] = initial[i] }
            let v = model.validate(a)
            if v.violations.isEmpty { optimum = min(optimum, v.cost.total) }
        }
        let engine = ReassignmentEngine(model)
        for i in 0..<ni where state[i] != initial[i] { engine.place(i, on: state[i]) }
        engine.restartHere()
        #expect(engine.current == model.validate(state).cost.total)
        var r = SplitMix64(seed: 9)
        _ = engine.returnPhase(rng: &r, deadline: monotonicSeconds() + 30, rounds: 1, workLimit: 1_000_000)
        let after = engine.snapshot().map(Int.init)
        #expect(model.validate(after).violations.isEmpty)
        #expect(model.validate(after).cost.total == engine.current)
        #expect(engine.current >= optimum && engine.current <= model.validate(state).cost.total)
        return engine.current == optimum
    }
}
