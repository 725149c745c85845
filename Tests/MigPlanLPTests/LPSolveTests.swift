import CLPSolve
import Foundation
import Testing
@testable import MigPlanLP

@Suite struct LPSolveTests {
    /// A knapsack whose optimum differs from its LP relaxation, solved by the real lp_solve.
    @Test func tinyMILPHasTheKnownOptimum() {
        // max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, binaries
        var p = LinearProgram(sense: .maximize)
        let a = p.addBinary("a"), b = p.addBinary("b"), c = p.addBinary("c")
        p.setObjective([.init(a, 5), .init(b, 4), .init(c, 3)])
        p.addConstraint([.init(a, 2), .init(b, 3), .init(c, 1)], .lessOrEqual, 5)
        p.addConstraint([.init(a, 4), .init(b, 1), .init(c, 2)], .lessOrEqual, 11)
        p.addConstraint([.init(a, 3), .init(b, 4), .init(c, 2)], .lessOrEqual, 8)
        let s = p.solve()
        #expect(s.status == .optimal)
        #expect(s.objective == 9)  // a + b (5+4); a + c = 8, b + c = 7, all three break row 1
        #expect(s.values.map { $0.rounded() } == [1, 1, 0])
        // The relaxation may take fractions and is at least as good.
        let r = p.relaxation.solve()
        #expect(r.status == .optimal)
        #expect((r.objective ?? 0) >= 9)
    }

    /// The MPS file holds the same program: lp_solve reads it back and finds the same optimum
    /// (the objective's constant included, as a fixed column), integrality and names kept.
    @Test func writtenMPSReadsBackAsTheSameProgram() throws {
        // min 3a + 2b + 4c + 1.5y + 10 s.t. a + b + c ≥ 2, 2a + c + y ≥ 2.5, b + y ≤ 1.2, binaries a b c, 0 ≤ y ≤ 2
        var p = LinearProgram()
        let a = p.addBinary("a"), b = p.addBinary("b"), c = p.addBinary("c"), y = p.addVariable("y", upper: 2)
        p.setObjective([.init(a, 3), .init(b, 2), .init(c, 4), .init(y, 1.5)], constant: 10)
        p.addConstraint([.init(a, 1), .init(b, 1), .init(c, 1)], .greaterOrEqual, 2, name: "two")
        p.addConstraint([.init(a, 2), .init(c, 1), .init(y, 1)], .greaterOrEqual, 2.5)
        p.addConstraint([.init(b, 1), .init(y, 1)], .lessOrEqual, 1.2)
        let direct = p.solve()
        #expect(direct.status == .optimal)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migplan-\(UUID().uuidString).mps").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try p.writeMPS(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("two") && text.contains("INTORG"))
        let read = try #require(path.withCString { read_freeMPS(UnsafeMutablePointer(mutating: $0), NEUTRAL) })
        defer { delete_lp(read) }
        #expect(get_Ncolumns(read) == 5)  // a, b, c, y and the constant's column
        #expect(CLPSolve.solve(read) == OPTIMAL)
        let value = try #require(direct.objective)
        #expect(abs(get_objective(read) - value) < 1e-9)
        #expect(value == 10 + 3 + 4)  // a and c: a and b would need y = 0.5, over the third row
        // Unwritable: a typed error naming the path.
        #expect(throws: LPExportError.self) { try p.writeMPS(to: "/nonexistent-dir/x.mps") }
    }

    /// Duals are the optimum's change per unit of right-hand side, checked by re-solving with
    /// the right-hand side moved (the LP is non-degenerate there).
    @Test func dualsMatchTheOptimumsSlope() throws {
        func program(_ third: Double) -> LinearProgram {
            // min −3x − 4y − 3z  s.t. 6x + 2y + 4z ≤ 150, x + y + 6z ≥ 0, 4x + 5y + 4z = third
            var p = LinearProgram()
            let x = p.addVariable("x"), y = p.addVariable("y"), z = p.addVariable("z")
            p.setObjective([.init(x, -3), .init(y, -4), .init(z, -3)])
            p.addConstraint([.init(x, 6), .init(y, 2), .init(z, 4)], .lessOrEqual, 150)
            p.addConstraint([.init(x, 1), .init(y, 1), .init(z, 6)], .greaterOrEqual, 0)
            p.addConstraint([.init(x, 4), .init(y, 5), .init(z, 4)], .equal, third)
            return p
        }
        var options = SolveOptions()
        options.duals = true
        let s = program(40).solve(options)
        #expect(s.status == .optimal)
        let duals = try #require(s.duals)
        #expect(duals.count == 3)
        let moved = program(41).solve()
        let slope = (moved.objective ?? 0) - (s.objective ?? 0)
        #expect(abs(duals[2] - slope) < 1e-9)
        #expect(abs(duals[2] + 0.8) < 1e-9)
        #expect(abs(duals[0]) < 1e-9 && abs(duals[1]) < 1e-9)
        // Not asked for, not computed.
        #expect(program(40).solve().duals == nil)

        // Binding ≥ and ≤ rows: min x + y  s.t. x + 2y ≥ 4, y ≤ 1.5 has its optimum at (1, 1.5);
        // more of the first right-hand side costs 1 per unit, more of the second saves 1.
        func second(_ a: Double, _ b: Double) -> LinearProgram {
            var p = LinearProgram()
            let x = p.addVariable("x"), y = p.addVariable("y")
            p.setObjective([.init(x, 1), .init(y, 1)])
            p.addConstraint([.init(x, 1), .init(y, 2)], .greaterOrEqual, a)
            p.addConstraint([.init(y, 1)], .lessOrEqual, b)
            return p
        }
        let t = second(4, 1.5).solve(options)
        let d = try #require(t.duals)
        let base = try #require(t.objective)
        let up1 = try #require(second(4.1, 1.5).solve().objective), up2 = try #require(second(4, 1.6).solve().objective)
        #expect(abs(d[0] - (up1 - base) / 0.1) < 1e-7 && abs(d[0] - 1) < 1e-9)
        #expect(abs(d[1] - (up2 - base) / 0.1) < 1e-7 && abs(d[1] + 1) < 1e-9)
    }

    /// An assignment LP with equality, ≤ and ≥ rows (items over bins: capacity, |load − target|
    /// on both sides, one row per item): column generation from one column per item reaches the
    /// optimum lp_solve finds with every column, and proves it.
    @Test func columnGenerationReachesTheFullOptimum() throws {
        var rng: UInt64 = 12345
        func next() -> Double {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Double(rng >> 11) / Double(1 << 53)
        }
        let items = 120, bins = 9
        let weight = (0..<items).map { _ in 1 + 9 * next() }
        let total = weight.reduce(0, +)
        var p = LinearProgram()
        var x: [[LinearProgram.Variable]] = []
        var objective: [LinearProgram.Term] = []
        for i in 0..<items {
            var row: [LinearProgram.Variable] = []
            for j in 0..<bins {
                let v = p.addVariable(lower: 0, upper: 1)
                row.append(v)
                objective.append(.init(v, j == i % bins ? 0 : 0.2 * weight[i] * (0.5 + next())))
            }
            x.append(row)
            p.addConstraint(row.map { .init($0, 1) }, .equal, 1)
        }
        var active = [Bool](repeating: false, count: items * bins)
        for i in 0..<items { active[x[i][i % bins].index] = true }
        for j in 0..<bins {
            let target = total / Double(bins) * (0.6 + 0.8 * Double(j) / Double(bins - 1))
            let load = (0..<items).map { LinearProgram.Term(x[$0][j], weight[$0]) }
            p.addConstraint(load, .lessOrEqual, total)
            let d = p.addVariable(lower: 0)
            active.append(true)
            objective.append(.init(d, 1))
            p.addConstraint([.init(d, 1)] + load.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, -target)
            p.addConstraint([.init(d, 1)] + load, .greaterOrEqual, target)
        }
        p.setObjective(objective)
        let direct = p.solve()
        let (priced, report) = p.solveByPricing(active: active, columnsPerRound: 40)
        #expect(direct.status == .optimal && priced.status == .optimal)
        let expected = try #require(direct.objective), found = try #require(priced.objective)
        #expect(abs(expected - found) <= 1e-7 * max(1, abs(expected)))
        #expect(priced.bound == priced.objective)
        #expect(report.rounds > 1 && report.columns < report.totalColumns && !report.stoppedByClock)
        // The answer is a solution of the whole program.
        #expect(p.isSolution(priced.values))
        // Capped before pricing is done: the master's answer, no bound.
        let (capped, _) = p.solveByPricing(active: active, maxRounds: 1, columnsPerRound: 40)
        #expect(capped.status == .feasible && capped.bound == nil && (capped.objective ?? 0) > expected)
        // No round allowed: no master solved, no values.
        let (none, _) = p.solveByPricing(active: active, maxRounds: 0)
        #expect(none.status == .timeLimit && !none.hasSolution)
        // An inactive column that cannot sit at zero is refused.
        var shifted = p
        _ = shifted.addVariable(lower: 1, upper: 2)
        #expect(shifted.solveByPricing(active: active + [false]).0.status == .failed)
    }

    @Test func infeasibleAndUnboundedAreReported() {
        var p = LinearProgram()
        let x = p.addVariable("x", lower: 0, upper: 1)
        p.addConstraint([.init(x, 1)], .greaterOrEqual, 2)
        #expect(p.solve().status == .infeasible)
        #expect(!p.solve().hasSolution)

        var q = LinearProgram(sense: .maximize)
        let y = q.addVariable("y")
        q.setObjective([.init(y, 1)])
        #expect(q.solve().status == .unbounded)
    }

    @Test func solvesOnSeveralThreadsGiveIdenticalAnswers() async {
        var p = LinearProgram()
        var vars: [LinearProgram.Variable] = []
        for i in 0..<30 { vars.append(p.addVariable("x\(i)", lower: 0, upper: 10, integer: i % 2 == 0)) }
        p.setObjective(vars.enumerated().map { .init($0.element, Double(($0.offset * 7) % 11) - 5) })
        p.addConstraint(vars.map { .init($0, 1) }, .lessOrEqual, 57)
        p.addConstraint(vars.enumerated().map { .init($0.element, Double($0.offset % 5 + 1)) }, .greaterOrEqual, 20)
        let reference = p.solve()
        let program = p
        let results = await withTaskGroup(of: LPSolution.self) { group in
            for _ in 0..<8 { group.addTask { program.solve() } }
            var all: [LPSolution] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(reference.status == .optimal)
        for r in results {
            #expect(r.objective == reference.objective)
            #expect(r.values == reference.values)
        }
    }
}
