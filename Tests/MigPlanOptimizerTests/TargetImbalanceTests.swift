import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanLP
import Testing
@testable import MigPlanOptimizer

extension BruteForce {
    /// σ of normalized CPU load over the connected hosts, computed here from the inventory.
    func imbalance(_ assignment: [Int]) -> Double {
        let hosts = inventory.hosts.indices.filter { inventory.hosts[$0].state == .connected }
        var load = [Double](repeating: 0, count: inventory.hosts.count)
        for (v, vm) in inventory.vms.enumerated() { load[assignment[v]] += vm.cpuDemandMHz }
        let x = hosts.map { load[$0] / inventory.hosts[$0].cpuCapacityMHz }
        let mean = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)).squareRoot()
    }

    /// σ and pre-copy MiB of every placement the validator accepts (final state only).
    func imbalancesAndBytes() -> [(sigma: Double, bytes: Double)] {
        var found: [(Double, Double)] = []
        forEachValidPlacement { assignment in
            let bytes = (0..<problem.vmCount).reduce(0.0) { $0 + (assignment[$1] != problem.home[$1] ? problem.engine.precopy[$1].megabytes : 0) }
            found.append((imbalance(assignment), bytes))
        }
        return found
    }
}

@Suite struct TargetImbalanceTests {
    let db: CPUDB

    init() throws { db = try CPUDB.builtin() }

    func plan(_ inv: Inventory, target: Double, goal: PlanOptions.Goal = .balance) throws -> Plan {
        var options = PlanOptions(timeLimit: 20, goal: goal)
        options.targetImbalance = target
        return try Optimizer(db: db).plan(inv, options: options)
    }

    /// Small random clusters (3 hosts, 6 VMs, with and without move caps) at three targets each:
    /// a plan that says it reached the target is within it, valid, and copies no less than the
    /// brute-force minimum; where no placement reaches the target, the plan says so; the LP bound
    /// (the rows σ ≤ t implies) is at or below the brute-force minimum; every reachable target is
    /// reached and most plans are optimal.
    @Test func plansForATargetAgainstBruteForce() throws {
        var next = SmallLCG(state: 17)
        var cases = 0, reachable = 0, reached = 0, optimal = 0, bounded = 0
        for k in 0..<10 {
            let hosts = (1...3).map { ("h\($0)", "Skylake-Server", 8, 64.0, "connected") }
            let vms = (0..<6).map { i in
                ("v\(i)", "h\(1 + next(2))", 2, Double(300 + next(3_000)), Double(1 + next(12)), Double(5 + next(40)))
            }
            let caps = k % 2 == 0 ? 0 : 2
            let inv = try Inventory.parse(smallInventory(hosts: hosts, vms: vms, balance: ", maxMovesPerHost: \(caps)"),
                                          file: "target.yaml", baseDirectory: "/", db: db)
            let problem = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
            let brute = BruteForce(inventory: inv, problem: problem)
            let start = brute.imbalance(problem.home)
            let placements = brute.imbalancesAndBytes()
            for fraction in [0.7, 0.4, 0.15] {
                let target = start * fraction
                // The fewest MiB of a placement within the target (nil: none is).
                let minimum = placements.filter { $0.sigma <= target * (1 + 1e-9) }.map(\.bytes).min()
                if minimum != nil { reachable += 1 }
                let plan = try plan(inv, target: target)
                let goal = try #require(plan.target)
                cases += 1
                #expect(plan.violations.isEmpty, "case \(k) at \(fraction): \(plan.violations)")
                #expect(abs(goal.imbalance - target) < 1e-12)
                if goal.reached {
                    reached += 1
                    let least = try #require(minimum, "case \(k) at \(fraction): reached a target no placement reaches")
                    #expect(plan.after.imbalance <= target * (1 + 1e-6), "case \(k) at \(fraction): σ \(plan.after.imbalance) above \(target)")
                    #expect(plan.achieved >= least - 1e-6, "case \(k) at \(fraction): \(plan.achieved) MiB below the minimum \(least)")
                    let moved = plan.moves.reduce(0.0) { $0 + $1.megabytes }
                    #expect(abs(plan.migratedMiB - moved) < 1e-6 && plan.achieved <= moved + 1e-6)
                    if plan.achieved <= least + 1e-6 { optimal += 1 }
                } else {
                    #expect(plan.after.imbalance > target, "case \(k) at \(fraction): σ within the target but not reached")
                }
                if let least = minimum {
                    var model = ExactModel(problem)
                    model.relaxImbalanceTarget(target, bytes: problem.engine.precopy.map(\.megabytes))
                    let lp = try #require(model.program.relaxation.solve().objective)
                    #expect(lp <= least + 1e-6, "case \(k) at \(fraction): LP bound \(lp) above the minimum \(least)")
                    if let lb = plan.lowerBound {
                        bounded += 1
                        #expect(lb <= least + 1e-6)
                    }
                }
            }
        }
        // Reached wherever brute force can (28 of 30 here), and optimal in most (27 of 28).
        #expect(reached == reachable && reachable >= cases / 2, "reached \(reached), reachable \(reachable) of \(cases)")
        #expect(optimal * 4 >= reached * 3, "optimal \(optimal) of \(reached) reached")
        #expect(bounded > 0)
    }

    /// A target the cluster already meets moves nothing but what must move; the same request twice
    /// gives the same plan.
    @Test func aTargetAlreadyMetMovesOnlyWhatMust() throws {
        let hosts = (1...3).map { ("h\($0)", "Skylake-Server", 8, 64.0, $0 == 3 ? "maintenance" : "connected") }
        let vms = (0..<6).map { ("v\($0)", "h\(1 + $0 % 3)", 2, 1_000.0 + Double(100 * $0), 4.0, 5.0) }
        let inv = try Inventory.parse(smallInventory(hosts: hosts, vms: vms), file: "met.yaml", baseDirectory: "/", db: db)
        let plan = try plan(inv, target: 0.5)
        #expect(plan.target?.reached == true)
        #expect(!plan.moves.isEmpty && plan.moves.allSatisfy { $0.reason == .evacuation }, "\(plan.moves)")
        #expect(plan.violations.isEmpty)
        let again = try self.plan(inv, target: 0.5)
        #expect(again.moves == plan.moves && again.achieved == plan.achieved)
    }

    /// A generated cluster: the plan reaches the target, its bound is below it, and a tighter
    /// target costs at least as many bytes.
    @Test func aGeneratedClusterReachesItsTargets() throws {
        let inv = try InventoryGenerator(hosts: 8, vms: 120, seed: 3).generate(db: db)
        let loose = try plan(inv, target: 0.05), tight = try plan(inv, target: 0.01)
        for p in [loose, tight] {
            #expect(p.target?.reached == true, "\(p.method)")
            #expect(p.after.imbalance <= (p.target?.imbalance ?? 0) * (1 + 1e-6))
            #expect(p.violations.isEmpty)
            let lb = try #require(p.lowerBound)
            #expect(lb <= p.achieved + 1e-6 && lb > 0)
        }
        #expect(tight.achieved >= (loose.lowerBound ?? 0))
        #expect(loose.objectiveName.contains("MiB") && loose.objectiveParts == nil)
        // The exported model is the bound's: its LP gives the plan's bound.
        var options = PlanOptions()
        options.targetImbalance = 0.05
        let model = try Optimizer(db: db).model(inv, options: options)
        let lp = try #require(model.relaxation.solve().objective)
        #expect(abs(lp - (loose.lowerBound ?? -1)) <= 1e-6 * max(1, lp), "exported LP \(lp), plan's bound \(String(describing: loose.lowerBound))")
    }

    @Test func badTargetsAreTypedErrors() throws {
        let hosts = (1...2).map { ("h\($0)", "Skylake-Server", 8, 64.0, "connected") }
        let inv = try Inventory.parse(smallInventory(hosts: hosts, vms: [("v0", "h1", 2, 1_000, 4, 5)]),
                                      file: "bad.yaml", baseDirectory: "/", db: db)
        for (target, goal) in [(-0.1, PlanOptions.Goal.balance), (.nan, .balance), (0.1, .consolidate)] {
            #expect(throws: MigPlanError.self) { try plan(inv, target: target, goal: goal) }
        }
    }
}
