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
