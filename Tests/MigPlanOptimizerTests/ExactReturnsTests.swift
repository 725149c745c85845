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
}
