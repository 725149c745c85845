import Foundation
import Testing
@testable import MigPlanCPU
@testable import MigPlanInventory
@testable import MigPlanOptimizer

@Suite struct Diagnose {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MIGPLAN_DIAGNOSE"] != nil))
    func components() throws {
        let db = try CPUDB.builtin()
        var inv = try InventoryGenerator(hosts: 64, vms: 4000, seed: 1).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = 0
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        let s0 = PlacementState(problem: p)
        print("before", s0.components, "targetLoad", p.targetLoad)
        let plan = try Optimizer(db: db).plan(inv, options: PlanOptions())
        var s = PlacementState(problem: p)
        for (v, pair) in plan.placement.enumerated() { let h = inv.host(named: pair.host)!; if h != s.host[v] { s.move(v, to: h) } }
        print("after", s.components, "bound", plan.lowerBound ?? -1)
        let counts = (0..<p.hostCount).map { h in s.hostMoves[h] }
        print("host moves", counts.sorted(by: >).prefix(10), "total", s.totalMoves)
        print("loads", (0..<p.hostCount).map { Int(100 * s.load[$0] / p.cpuCapacity[$0]) }.sorted())
    }
}

extension Diagnose {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MIGPLAN_DIAGNOSE"] != nil))
    func milpAgreement() throws {
        let db = try CPUDB.builtin()
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let inv = try Inventory.parse(smallInventory(hosts: sky, vms: OptimizerTests.sixVMs), file: "s", baseDirectory: "/", db: db)
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        let m = ExactModel(p)
        let sol = m.program.solve()
        var s = PlacementState(problem: p)
        let place = m.placement(sol)
        for v in 0..<p.vmCount where place[v] != s.host[v] { s.move(v, to: place[v]) }
        let manual = m.program.objective.reduce(0.0) { $0 + $1.coefficient * sol.values[$1.variable.index] }
        for (i, c) in m.program.constraints.enumerated() {
            let lhs = c.terms.reduce(0.0) { $0 + $1.coefficient * sol.values[$1.variable.index] }
            let ok: Bool = switch c.relation { case .lessOrEqual: lhs <= c.rhs + 1e-6; case .greaterOrEqual: lhs >= c.rhs - 1e-6; case .equal: abs(lhs - c.rhs) < 1e-6 }
            if !ok { print("violated row", i, lhs, c.relation, c.rhs) }
        }
        print("values", sol.values.map { ($0 * 1000).rounded() / 1000 })
        print("manual", manual)
        print("milp", sol.status, sol.objective ?? -1, "state", s.objective, s.components, "binaries", m.binaries, "const", m.program.objectiveConstant)
    }
}

extension Diagnose {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MIGPLAN_DIAGNOSE"] != nil))
    func greedyVersusMILP() throws {
        let db = try CPUDB.builtin()
        var inv = try InventoryGenerator(hosts: 16, vms: 400, seed: 1).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = 0
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        for limit in [0, 100000] {
            let plan = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 30, exactBinaryLimit: limit))
            var s = PlacementState(problem: p)
            for (v, pair) in plan.placement.enumerated() { let h = inv.host(named: pair.host)!; if h != s.host[v] { s.move(v, to: h) } }
            let moved = (0..<p.vmCount).filter { s.host[$0] != p.home[$0] }
            print("limit", limit, s.components, "moved", moved.count, "mean cost/demand", moved.map { p.moveCost[$0] / max(1, p.demand[$0]) }.reduce(0, +) / Double(max(1, moved.count)))
            print("  loads", (0..<p.hostCount).map { Int(1000 * s.load[$0] / p.cpuCapacity[$0]) })
            print("  mem  ", (0..<p.hostCount).map { Int(1000 * s.activeMemory[$0] / p.hostMemory[$0]) }, "Tm", p.targetMemory)
        }
    }
}

extension Diagnose {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MIGPLAN_DIAGNOSE"] != nil))
    func capsAccounting() throws {
        let db = try CPUDB.builtin()
        let inv = try InventoryGenerator(hosts: 16, vms: 400, seed: 5).generate(db: db)
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions(timeLimit: 30))
        var s = PlacementState(problem: p)
        var search = Search(problem: p, deadline: now() + 30)
        func audit(_ phase: String) {
            var per = [Int](repeating: 0, count: p.hostCount)
            for v in 0..<p.vmCount where s.host[v] != p.home[v] && p.counted(v) { per[p.home[v]] += 1; per[s.host[v]] += 1 }
            print(phase, "max", per.max()!, "tracked", s.hostMoves.max()!, per == s.hostMoves ? "ok" : "MISMATCH \(zip(per, s.hostMoves).filter { $0 != $1 })")
        }
        search.mandatory(&s); audit("mandatory")
        search.balance(&s); audit("balance")
        search.relocate(&s); audit("relocate")
        search.polish(&s); audit("polish")
    }
}
