import Foundation
import Testing
@testable import MigPlanCPU
@testable import MigPlanInventory
@testable import MigPlanMigration
@testable import MigPlanOptimizer
import MigPlanLP

/// Small hand-made inventories whose optimum brute force can find: every placement of every VM
/// on every host, kept when the independent validator accepts its final state, scored by the
/// objective; the optimizer must find the same optimum and prove it.
func smallInventory(hosts: [(String, String, Int, Double, String)] , vms: [(String, String, Int, Double, Double, Double)],
                    rules: String = "", extraHost: String = "", extraVM: [String: String] = [:], balance: String = "") -> String {
    var text = """
        version: 1
        cluster:
          name: small
          migration: { bandwidthMiBps: 1100, maxConcurrentPerHost: 2, maxDowntimeMs: 300, maxPrecopyRounds: 30, resumeMs: 20 }
          balance: { threshold: 3\(balance.isEmpty ? ", maxMovesPerHost: 8" : balance) }
        hosts:

        """
    for (name, cpu, cores, memGiB, state) in hosts {
        text += """
              - name: \(name)
                cpu: \(cpu)
                sockets: 1
                coresPerSocket: \(cores)
                mhzPerCore: 1000
                memoryMiB: \(Int(memGiB * 1024))
                datastores: [ds]
                networks: [net]
                groups: [\(name == "h1" ? "g1" : "g2")]
                hypervisor: { kind: kvm }
                state: \(state)
            \(extraHost)
            """
        text += "\n"
    }
    text += "vms:\n"
    for (name, host, vcpus, demand, memGiB, dirty) in vms {
        text += """
              - name: \(name)
                host: \(host)
                vcpus: \(vcpus)
                cpuDemandMHz: \(demand)
                memoryMiB: \(Int(memGiB * 1024))
                dirtyRateMiBps: \(dirty)
                datastores: [ds]
                networks: [net]
            \(extraVM[name] ?? "")
            """
        text += "\n"
    }
    return text + rules
}

struct BruteForce {
    let inventory: Inventory
    let problem: PlacementProblem

    /// Calls `body` with every placement the validator accepts (final state only).
    func forEachValidPlacement(_ body: ([Int]) -> Void) {
        let p = problem
        let validator = PlanValidator(inventory: inventory, engine: p.engine,
                                      mustBeEmpty: Set((0..<p.hostCount).filter { p.evacuated[$0] }),
                                      capExempt: Set((0..<p.hostCount).filter { p.capExempt[$0] }), maxMoves: p.maxMoves)
        var assignment = [Int](repeating: 0, count: p.vmCount)
        let total = Int(pow(Double(p.hostCount), Double(p.vmCount)))
        for code in 0..<total {
            var c = code
            for v in 0..<p.vmCount { assignment[v] = c % p.hostCount; c /= p.hostCount }
            // Static readiness of every moved VM, then the validator's final-state checks.
            var ok = true
            for v in 0..<p.vmCount where assignment[v] != p.home[v] && !p.allowedSet[v].contains(assignment[v]) { ok = false; break }
            // One move per wave: the final state and the move caps, not the sequencing.
            let steps = (0..<p.vmCount).filter { assignment[$0] != p.home[$0] }.enumerated().map {
                (v: $1, from: p.home[$1], to: assignment[$1], wave: $0 + 1)
            }
            guard ok, validator.violations(final: assignment, steps: steps).filter({ !$0.hasPrefix("wave ") }).isEmpty else { continue }
            body(assignment)
        }
    }

    /// The least objective over every placement the validator accepts (final state only).
    func optimum() -> (value: Double, placement: [Int])? {
        var best: (Double, [Int])? = nil
        forEachValidPlacement { assignment in
            var s = PlacementState(problem: problem)
            for v in 0..<problem.vmCount where assignment[v] != s.host[v] { s.move(v, to: assignment[v]) }
            let f = s.objective
            if best == nil || f < best!.0 - 1e-9 { best = (f, assignment) }
        }
        return best
    }
}

@Suite struct OptimizerTests {
    let db: CPUDB

    init() throws { db = try CPUDB.builtin() }

    func check(_ text: String, threshold: Int? = nil, maxMoves: Int? = nil, evacuate: [String] = [],
               file: String = #filePath, line: Int = #line) throws -> (Plan, Inventory, Double?) {
        let inv = try Inventory.parse(text, file: "small.yaml", baseDirectory: "/", db: db)
        let options = PlanOptions(threshold: threshold, maxMoves: maxMoves, timeLimit: 20, evacuate: evacuate)
        let plan = try Optimizer(db: db).plan(inv, options: options)
        let problem = try PlacementProblem(inventory: inv, db: db, options: options)
        let brute = BruteForce(inventory: inv, problem: problem).optimum()
        if plan.status == .infeasible {
            #expect(brute == nil, "brute force found a placement the optimizer called infeasible")
        } else {
            let b = try #require(brute)
            #expect(abs(plan.achieved - b.value) <= 1e-6 * max(1, b.value), "optimizer \(plan.achieved) vs brute force \(b.value)")
            // "feasible" with the brute-force value is right too: where the exact model is narrower
            // than the search (budgets) or its answer could not be proven, no proof is claimed.
            #expect(plan.status == .optimal || plan.status == .noImprovement || plan.status == .feasible,
                    "status \(plan.status), method \(plan.method), bound \(String(describing: plan.lowerBound)), achieved \(plan.achieved)")
            if plan.status == .optimal, let lb = plan.lowerBound { #expect(lb <= b.value + 1e-6) }
            if let lb = plan.lowerBound { #expect(lb <= b.value + 1e-6) }
            #expect(plan.violations.isEmpty)
        }
        return (plan, inv, brute?.value)
    }

    static let fourHosts: [(String, String, Int, Double, String)] = [
        ("h1", "Cascadelake-Server", 8, 64, "connected"), ("h2", "Skylake-Server", 8, 64, "connected"),
        ("h3", "Skylake-Server", 8, 64, "connected"),
    ]
    static let sixVMs: [(String, String, Int, Double, Double, Double)] = [
        ("a", "h1", 2, 3000, 8, 10), ("b", "h1", 2, 2500, 16, 50), ("c", "h1", 1, 1500, 4, 5),
        ("d", "h1", 1, 1000, 4, 5), ("e", "h2", 2, 1200, 8, 20), ("f", "h3", 1, 400, 4, 5),
    ]

    @Test func balanceMatchesBruteForce() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let (plan, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs))
        #expect(!plan.moves.isEmpty)
        #expect(plan.after.imbalance < plan.before.imbalance)
    }

    @Test(arguments: [1, 2, 4, 5])
    func everyThresholdMatchesBruteForce(threshold: Int) throws {
        let (plan, _, _) = try check(smallInventory(hosts: Self.fourHosts, vms: Self.sixVMs), threshold: threshold)
        if threshold == 1 { #expect(plan.moves.isEmpty && plan.status == .noImprovement) }
    }

    @Test func capacityBinds() throws {
        // h2 and h3 have little memory: the big VM cannot go there.
        let hosts: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                            ("h2", "Skylake-Server", 8, 12, "connected"), ("h3", "Skylake-Server", 8, 12, "connected")]
        let (plan, inv, _) = try check(smallInventory(hosts: hosts, vms: Self.sixVMs))
        for m in plan.moves { #expect(inv.vms[inv.vm(named: m.vm)!].memoryMiB <= 12 * 1024) }
    }

    @Test func cpuCompatibilityBinds() throws {
        // VMs on the Cascade Lake host see Cascade Lake features: they cannot go to Skylake hosts.
        let (plan, _, _) = try check(smallInventory(hosts: Self.fourHosts, vms: Self.sixVMs))
        #expect(plan.moves.allSatisfy { $0.from != "h1" })
    }

    @Test func maintenanceIsEvacuated() throws {
        var hosts = Self.fourHosts
        hosts[1] = ("h2", "Skylake-Server", 8, 64, "maintenance")
        let (plan, _, _) = try check(smallInventory(hosts: hosts, vms: Self.sixVMs))
        #expect(plan.moves.contains { $0.vm == "e" && $0.reason == .evacuation })
        #expect(!plan.placement.contains { $0.host == "h2" })
        // --evacuate does the same for a connected host.
        let (p2, _, _) = try check(smallInventory(hosts: Self.fourHosts, vms: Self.sixVMs), evacuate: ["h3"])
        #expect(!p2.placement.contains { $0.host == "h3" })
    }

    @Test func evacuationWithNowhereToGoIsInfeasible() throws {
        var hosts = Self.fourHosts
        hosts[0] = ("h1", "Cascadelake-Server", 8, 64, "maintenance")
        let (plan, _, _) = try check(smallInventory(hosts: hosts, vms: Self.sixVMs))
        #expect(plan.status == .infeasible)
        #expect(plan.infeasibilities.first?.constraint.contains("cpu-feature") == true)
    }

    @Test func rulesBind() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let anti = "rules:\n  - name: apart\n    kind: vm-anti-affinity\n    vms: [a, e]\n"
        let (p1, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: anti))
        let place = Dictionary(uniqueKeysWithValues: p1.placement.map { ($0.vm, $0.host) })
        #expect(place["a"] != place["e"])
        let together = "rules:\n  - name: together\n    kind: vm-affinity\n    vms: [a, b]\n"
        let (p2, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: together))
        let place2 = Dictionary(uniqueKeysWithValues: p2.placement.map { ($0.vm, $0.host) })
        #expect(place2["a"] == place2["b"])
        // Affine VMs move in the same wave.
        let waves = Set(p2.moves.filter { $0.vm == "a" || $0.vm == "b" }.map(\.wave))
        #expect(waves.count <= 1)
        let pinned = "rules:\n  - name: stay\n    kind: vm-host\n    vms: [a, b, c]\n    hostGroup: g1\n    policy: must\n"
        let (p3, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: pinned))
        #expect(p3.moves.allSatisfy { !["a", "b", "c"].contains($0.vm) })
        // A broken must-rule is repaired (a and e together on h1 initially).
        var vms = Self.sixVMs
        vms[4] = ("e", "h1", 2, 1200, 8, 20)
        let (p4, _, _) = try check(smallInventory(hosts: sky, vms: vms, rules: anti), threshold: 1)
        #expect(p4.moves.count == 1 && p4.moves[0].reason == .rule)
        // Should-rules are a cost, not a block.
        let should = "rules:\n  - name: prefer\n    kind: vm-host\n    vms: [a]\n    hostGroup: g2\n    policy: should\n"
        _ = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: should))
    }

    @Test func faultDomainSpreadBinds() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        // a, b, c, d all on h1 (hosts without faultDomain are their own domain): three domains needed.
        let spread = "rules:\n  - name: ha\n    kind: vm-spread\n    vms: [a, b, c, d]\n    minFaultDomains: 3\n"
        let (p1, inv, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: spread), threshold: 1)
        let place = Dictionary(uniqueKeysWithValues: p1.placement.map { ($0.vm, $0.host) })
        #expect(Set(["a", "b", "c", "d"].map { place[$0]! }).count >= 3)
        #expect(p1.moves.allSatisfy { $0.reason == .rule })
        #expect(inv.rules[0].minFaultDomains == 3)
        // With balancing on, the optimum still keeps the spread (brute force agrees inside check).
        _ = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: spread))
        // Every host in one rack: the spread cannot be had, and the plan says which rule.
        let (p2, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: spread, extraHost: "    faultDomain: rack-a"))
        #expect(p2.status == .infeasible)
        #expect(p2.infeasibilities.contains { $0.constraint.contains("ha") })
        // As a should-rule it is a cost: no infeasibility.
        let soft = spread + "    policy: should\n"
        let (p3, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: soft, extraHost: "    faultDomain: rack-a"))
        #expect(p3.status != .infeasible)
    }

    @Test func spreadRuleInputErrors() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"), ("h2", "Skylake-Server", 8, 64, "connected")]
        for (rule, expected) in [
            ("  - name: r\n    kind: vm-spread\n    vms: [a, b]\n", "missing 'minFaultDomains'"),
            ("  - name: r\n    kind: vm-spread\n    vms: [a, b]\n    minFaultDomains: 3\n", "from 2 to the rule's 2 VMs"),
            ("  - name: r\n    kind: vm-spread\n    vms: [a, b]\n    minFaultDomains: 1\n", "minFaultDomains"),
            ("  - name: r\n    kind: vm-anti-affinity\n    vms: [a, b]\n    minFaultDomains: 2\n", "only vm-spread rules take minFaultDomains"),
        ] {
            let text = smallInventory(hosts: sky, vms: Array(Self.sixVMs.prefix(2)), rules: "rules:\n" + rule)
            do {
                _ = try Inventory.parse(text, file: "small.yaml", baseDirectory: "/", db: db)
                Issue.record("accepted: \(rule)")
            } catch {
                #expect("\(error)".contains(expected) && "\(error)".contains("small.yaml"), "\(error)")
            }
        }
    }

    @Test func licensesAndMoveCapsBind() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let lic = "products:\n  - name: db\n    metric: per-core\n    unitPrice: 100\n    scope: occupancy\n    licensedHosts: [h1, h3]\n"
        let (p1, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, rules: lic, extraVM: ["a": "    products: [db]", "b": "    products: [db]"]))
        let place = Dictionary(uniqueKeysWithValues: p1.placement.map { ($0.vm, $0.host) })
        #expect(place["a"] != "h2" && place["b"] != "h2")
        let (p2, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs), maxMoves: 1)
        #expect(p2.moves.count <= 1)
        let (p3, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, balance: ", maxMovesPerHost: 1"))
        #expect(p3.moves.count <= 1)
        // Non-movable VMs stay.
        let (p4, _, _) = try check(smallInventory(hosts: sky, vms: Self.sixVMs, extraVM: ["a": "    movable: false", "b": "    movable: false"]))
        #expect(p4.moves.allSatisfy { $0.vm != "a" && $0.vm != "b" })
    }

    @Test func deterministicAndTimeLimited() throws {
        // Small enough for the debug build to finish well inside the limit: a plan the clock cut
        // short may differ from run to run (and says so in its status).
        let inv = try InventoryGenerator(hosts: 10, vms: 180, seed: 5).generate(db: db)
        let a = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 90))
        let b = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 90))
        #expect(a.status != .timeLimit && b.status != .timeLimit)
        #expect(a.moves == b.moves)
        #expect(a.achieved == b.achieved)
        #expect(a.violations.isEmpty && a.lowerBound != nil && a.lowerBound! <= a.achieved)
        // A tiny time limit still returns a valid plan, and says it was cut short.
        let quick = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 0.001))
        #expect(quick.violations.isEmpty)
        #expect(quick.status == .timeLimit || quick.status == .noImprovement || quick.status == .feasible)
    }

    @Test func wavesRespectConcurrencyAndInFlightMemory() throws {
        let inv = try InventoryGenerator(hosts: 16, vms: 400, seed: 9).generate(db: db)
        let busiest = inv.hosts.indices.max { a, b in inv.vms.filter { $0.host == a }.count < inv.vms.filter { $0.host == b }.count }!
        let plan = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 10, evacuate: [inv.hosts[busiest].name]))
        #expect(plan.violations.isEmpty)
        #expect(plan.moves.contains { $0.reason == .evacuation })
        var perWave: [Int: [String: Int]] = [:]
        for m in plan.moves {
            perWave[m.wave, default: [:]][m.from, default: 0] += 1
            perWave[m.wave, default: [:]][m.to, default: 0] += 1
        }
        for (_, touching) in perWave { #expect(touching.values.allSatisfy { $0 <= inv.cluster.migration.maxConcurrentPerHost }) }
        #expect(Set(plan.moves.map(\.wave)) == Set(1...plan.waves))
    }

    /// Many generated clusters, options varied: every plan passes the validator (which runs
    /// inside `plan` and throws on any violation) and never loses to doing nothing.
    @Test(arguments: Array(1...8))
    func generatedPlansAlwaysValidate(seed: Int) throws {
        var inv = try InventoryGenerator(hosts: 6 + seed % 5, vms: 60 + 25 * seed, seed: UInt64(seed)).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = [0, 2, 8][seed % 3]
        inv.cluster.migration.maxConcurrentPerHost = 1 + seed % 3
        let options = PlanOptions(threshold: 1 + seed % 5, maxMoves: seed % 4 == 0 ? 5 : nil, timeLimit: 5,
                                  evacuate: seed % 2 == 0 ? [inv.hosts[seed % inv.hosts.count].name] : [],
                                  goal: seed == 7 ? .consolidate : .balance)
        let plan = try Optimizer(db: db).plan(inv, options: options)
        #expect(plan.violations.isEmpty)
        if plan.status != .infeasible && options.goal == .balance && options.evacuate.isEmpty {
            let problem = try PlacementProblem(inventory: inv, db: db, options: options)
            #expect(plan.achieved <= PlacementState(problem: problem).objective + 1e-6)
        }
        if let lb = plan.lowerBound { #expect(lb <= plan.achieved + 1e-6) }
    }

    /// The full model's LP by column generation (how the optimizer solves it above 10,000 columns)
    /// equals lp_solve's answer with every column, on generated clusters with and without per-host
    /// move caps (rules, CPU compatibility, capacity and caps all in the model), and the plan's
    /// bound (here from the direct solve) is it.
    @Test(arguments: [0, 3])
    func columnGenerationSolvesThePlacementLP(cap: Int) throws {
        var inv = try InventoryGenerator(hosts: 8, vms: 160, seed: 11).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = cap
        let options = PlanOptions(timeLimit: 60)
        let plan = try Optimizer(db: db).plan(inv, options: options)
        let problem = try PlacementProblem(inventory: inv, db: db, options: options)
        let model = ExactModel(problem)
        let hostIndex = Dictionary(uniqueKeysWithValues: inv.hosts.enumerated().map { ($1.name, $0) })
        let final = plan.placement.map { hostIndex[$0.host]! }
        var active = [Bool](repeating: true, count: model.program.variables.count)
        for c in model.columns { active[c.x.index] = c.h == final[c.v] }
        let direct = model.program.relaxation.solve()
        let (priced, report) = model.program.relaxation.solveByPricing(active: active)
        #expect(direct.status == .optimal && priced.status == .optimal, "\(direct.status) \(priced.status)")
        let expected = try #require(direct.objective), found = try #require(priced.objective)
        #expect(abs(expected - found) <= 1e-6 * max(1, expected), "direct \(expected), by pricing \(found)")
        #expect(report.columns < report.totalColumns)
        let bound = try #require(plan.lowerBound)
        #expect(bound >= found - 1e-6 * max(1, found) && bound <= plan.achieved + 1e-6)
    }

    /// Above 10,000 columns with move caps the optimizer's bound is the full LP's, reached by column
    /// generation from the plan: equal to lp_solve's direct solve of the whole LP, at or above the
    /// separable bound, and at or below the plan.
    @Test func cappedPlansCarryTheFullLPBound() throws {
        var inv = try InventoryGenerator(hosts: 16, vms: 900, seed: 4).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = 6
        let options = PlanOptions(timeLimit: 120)
        let problem = try PlacementProblem(inventory: inv, db: db, options: options)
        let model = ExactModel(problem)
        #expect(model.binaries > 10_000)
        let plan = try Optimizer(db: db).plan(inv, options: options)
        #expect(plan.status != .timeLimit && plan.violations.isEmpty)
        let direct = try #require(model.program.relaxation.solve().objective)
        let bound = try #require(plan.lowerBound)
        let separable = try #require(LowerBound.separable(problem, deadline: monotonicSeconds() + 60))
        #expect(abs(bound - direct) <= 1e-6 * direct, "plan's bound \(bound), direct LP \(direct)")
        #expect(bound >= separable - 1e-6 * separable && bound <= plan.achieved + 1e-6, "bound \(bound), separable \(separable)")
    }

    /// The separable relaxation's optimum, which starts the search: shares of leaving within [0, 1],
    /// only for VMs on hosts above their level, their copying cost within the bound; the plan starts
    /// from it (below column generation's sizes), keeps every rule, and stays at or above the bound.
    @Test func relaxationSharesStartThePlan() throws {
        for (seed, cap) in [(1, 0), (2, 6)] {
            var inv = try InventoryGenerator(hosts: 6, vms: 80, seed: UInt64(seed)).generate(db: db)
            inv.cluster.balance.maxMovesPerHost = cap
            let options = PlanOptions(timeLimit: 60, exactBinaryLimit: 0)
            let problem = try PlacementProblem(inventory: inv, db: db, options: options)
            #expect(ExactModel.binaryCount(problem) <= 10_000)
            let answer = try #require(LowerBound.separableShares(problem, deadline: monotonicSeconds() + 60))
            let (value, leaving) = (answer.value, answer.leaving)
            let state = PlacementState(problem: problem)
            var copying = 0.0
            for v in 0..<problem.vmCount {
                #expect(leaving[v] >= -1e-9 && leaving[v] <= 1 + 1e-9, "share \(leaving[v]) of VM \(v)")
                if leaving[v] > 1e-9 {
                    let h = problem.home[v]
                    let above = state.load[h] > problem.targetLoad * problem.cpuCapacity[h]
                        || state.activeMemory[h] > problem.targetMemory * problem.hostMemory[h]
                    #expect(above, "VM \(v) leaves host \(h), which is below its level")
                }
                copying += problem.moveCost[v] * leaving[v]
            }
            #expect(leaving.contains { $0 >= 0.5 })
            #expect(copying <= value + 1e-6 * max(1, value), "copying \(copying) above the bound \(value)")
            let plan = try Optimizer(db: db).plan(inv, options: options)
            #expect(plan.method.contains("relaxation-guided start") && plan.violations.isEmpty, "\(plan.method)")
            let bound = try #require(plan.lowerBound)
            #expect(bound >= value - 1e-6 * max(1, value) && bound <= plan.achieved + 1e-6)
        }
    }

    /// A host's part of the separable relaxation with whole VMs: on random parts of 8–14 VMs and
    /// one to three rows, the proven value is the brute-force minimum over every subset of leaving
    /// VMs, the answer returned reaches it, and it is at or above the part's LP.
    @Test func wholeVMHostPartsMatchBruteForce() throws {
        var next = SmallLCG(state: 11)
        var aboveLP = 0
        for k in 0..<40 {
            let n = 8 + next(7)
            let rows = (0..<(1 + next(3))).map { _ in
                HostPart.Row(weight: Double(1 + next(4)), amount: Double(500 + next(6_000)), size: (0..<n).map { _ in Double(100 + next(2_000)) })
            }
            let part = HostPart(cost: (0..<n).map { _ in Double(50 + next(3_000)) }, rows: rows)
            var brute = Double.infinity
            for mask in 0..<(1 << n) { brute = min(brute, part.value((0..<n).map { mask & (1 << $0) != 0 })) }
            let r = try #require(part.solve(deadline: monotonicSeconds() + 30))
            #expect(r.proven, "part \(k)")
            #expect(r.bound <= brute + 1e-6 * max(1, brute) && r.bound >= brute - 1e-6 * max(1, brute), "part \(k): bound \(r.bound), brute force \(brute)")
            #expect(abs(part.value(r.leaves) - brute) <= 1e-6 * max(1, brute), "part \(k): answer \(part.value(r.leaves)), brute force \(brute)")
            // The LP: shares instead of whole VMs.
            var lp = LinearProgram()
            let z = (0..<n).map { _ in lp.addVariable(lower: 0, upper: 1) }
            var objective = zip(z, part.cost).map { LinearProgram.Term($0, $1) }
            for row in rows {
                let s = lp.addVariable(lower: 0)
                objective.append(.init(s, row.weight))
                lp.addConstraint([.init(s, 1)] + zip(z, row.size).map { .init($0, $1) }, .greaterOrEqual, row.amount)
            }
            lp.setObjective(objective)
            let relaxed = try #require(lp.solve().objective)
            #expect(r.bound >= relaxed - 1e-6 * max(1, relaxed))
            if r.bound > relaxed * (1 + 1e-6) { aboveLP += 1 }
        }
        #expect(aboveLP >= 10, "whole VMs lifted only \(aboveLP) of 40 parts above their LP")
    }

    /// Without move caps the separable bound (whole VMs per host) stays at or below the brute-force
    /// optimum of small random clusters, and its shares are whole; so does the full model's LP with
    /// the separable parts as cuts, which is at or above both the plain LP and the separable bound.
    @Test func wholeVMSeparableBoundIsARelaxation() throws {
        var next = SmallLCG(state: 5)
        var lifted = 0
        for k in 0..<12 {
            let hosts = (1...3).map { ("h\($0)", "Skylake-Server", 8, 64.0, "connected") }
            let vms = (0..<7).map { i in
                ("v\(i)", "h\(1 + next(2))", 2, Double(300 + next(3_000)), Double(1 + next(12)), 5.0)
            }
            let inv = try Inventory.parse(smallInventory(hosts: hosts, vms: vms, balance: ", maxMovesPerHost: 0"),
                                          file: "whole.yaml", baseDirectory: "/", db: db)
            let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
            let r = try #require(LowerBound.separableShares(p, deadline: monotonicSeconds() + 10))
            let brute = try #require(BruteForce(inventory: inv, problem: p).optimum())
            #expect(r.whole && r.leaving.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(r.value <= brute.value + 1e-6, "case \(k): bound \(r.value) above the optimum \(brute.value)")
            let plain = ExactModel(p)
            var cut = plain
            cut.addSeparableCuts(r.parts)
            #expect(cut.program.constraints.count > plain.program.constraints.count || r.parts.isEmpty)
            let lp = try #require(plain.program.relaxation.solve().objective)
            let withCuts = try #require(cut.program.relaxation.solve().objective)
            #expect(withCuts <= brute.value + 1e-6, "case \(k): LP with cuts \(withCuts) above the optimum \(brute.value)")
            #expect(withCuts >= max(lp, r.value) - 1e-6 * max(1, brute.value), "case \(k): LP with cuts \(withCuts), LP \(lp), separable \(r.value)")
            if withCuts > max(lp, r.value) + 1e-6 * max(1, brute.value) { lifted += 1 }
        }
        // Here small clusters' parts seldom bind beyond both (one case of twelve); 16 × 400 lifts by 84.
        #expect(lifted >= 1, "the cuts lifted no LP")
    }

    /// An exact MILP the clock stops (the example cluster's 167 binaries are not proven in seconds)
    /// leaves time for the LP relaxation: the plan keeps the same lower bound as without the MILP,
    /// and its status says the clock cut the search short.
    @Test func aTimeLimitedMILPKeepsTheBoundAndSaysSo() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let inv = try Inventory.load(path: root.appending(path: "examples/mixed-intel/inventory.yaml").path, db: db)
        // 3 s: enough for the debug build's search on a loaded machine to leave the MILP its turn,
        // far too little for lp_solve to prove it (27 s do not).
        let withMILP = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 3, exactBinaryLimit: 400))
        let withoutMILP = try Optimizer(db: db).plan(inv, options: PlanOptions(timeLimit: 3, exactBinaryLimit: 0))
        #expect(withMILP.violations.isEmpty)
        #expect(withMILP.status == .timeLimit || withMILP.status == .optimal, "status \(withMILP.status)")
        if withMILP.status == .timeLimit {
            let a = try #require(withMILP.lowerBound), b = try #require(withoutMILP.lowerBound)
            #expect(abs(a - b) <= 1e-6 * max(1, b), "bound \(a) with the MILP, \(b) without")
            #expect(withMILP.method.contains("time-limited"))
        }
        #expect(withMILP.achieved <= withoutMILP.achieved + 1e-6)
    }

    /// With one move per host, the empty host can take in one VM only: the separable bound's
    /// deficit floor (4,000 MHz short of balance, one 1,500 MHz VM at most) is 2,500 MHz, and the
    /// bound stays at or below the brute-force optimum, which pays that deficit.
    @Test func deficitFloorHoldsWithMoveCaps() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = (0..<8).map { ("v\($0)", $0 < 4 ? "h1" : "h2", 2, 1500, 4, 5) }
        let text = smallInventory(hosts: sky, vms: vms, balance: ", maxMovesPerHost: 1")
        let inv = try Inventory.parse(text, file: "caps.yaml", baseDirectory: "/", db: db)
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        let load = [6000.0, 6000, 0], memory = (0..<3).map { h in (0..<8).filter { p.home[$0] == h }.reduce(0.0) { $0 + p.activeMemory[$1] } }
        let floors = LowerBound.deficitFloors(p, load: load, memory: memory)
        #expect(abs(floors.cpu - 2500) < 1e-6, "cpu floor \(floors.cpu)")
        let bound = try #require(LowerBound.separable(p, deadline: monotonicSeconds() + 10))
        let brute = try #require(BruteForce(inventory: inv, problem: p).optimum())
        #expect(bound <= brute.value + 1e-6, "bound \(bound) above the optimum \(brute.value)")
        #expect(bound >= 2 * p.balanceWeight * 2500 - 1e-6, "bound \(bound) misses the floor")
    }

    /// The capped relaxation (per-host shares, the classes' transport to the hosts, the floors) stays
    /// a relaxation: at or below the brute-force optimum on small capped clusters, one hand-made
    /// (a hot host of small VMs and one large, a host at its level with a large one, an empty host)
    /// and five random ones.
    @Test func cappedTransportBoundIsARelaxation() throws {
        let sky = "Skylake-Server"
        // h1 hot (three 1,000-MHz VMs above an even share), h2 at its level with one 3,000-MHz VM, h3 empty.
        let cases0: [(hosts: [(String, String, Int, Double, String)], vms: [(String, String, Int, Double, Double, Double)], caps: Int)] = [
            ([("h1", sky, 8, 64, "connected"), ("h2", sky, 8, 64, "connected"), ("h3", sky, 8, 64, "connected")],
             [("a", "h1", 1, 1000, 2, 5), ("b", "h1", 1, 1000, 2, 5), ("c", "h1", 1, 1000, 2, 5), ("d", "h1", 2, 3000, 4, 5),
              ("e", "h2", 2, 3000, 4, 5)], 1),
        ]
        var cases = cases0
        var next = SmallLCG(state: 7)
        for _ in 0..<5 {
            let hosts = (1...3).map { ("h\($0)", sky, 8, 64.0, "connected") }
            let vms = (0..<7).map { i in
                ("v\(i)", "h\(1 + next(2))", 2, Double(300 + next(3_000)), Double(1 + next(12)), 5.0)
            }
            cases.append((hosts, vms, 1 + next(3)))
        }
        for (k, c) in cases.enumerated() {
            let text = smallInventory(hosts: c.hosts, vms: c.vms, balance: ", maxMovesPerHost: \(c.caps)")
            let inv = try Inventory.parse(text, file: "transport.yaml", baseDirectory: "/", db: db)
            let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
            let bound = try #require(LowerBound.separable(p, deadline: monotonicSeconds() + 10))
            let brute = try #require(BruteForce(inventory: inv, problem: p).optimum())
            #expect(bound <= brute.value + 1e-6, "case \(k): bound \(bound) above the optimum \(brute.value)")
        }
        // A host being powered off: its VMs count against the caps but fill the empty host's deficit.
        let hosts = [("h1", sky, 8, 64.0, "connected"), ("h2", sky, 8, 64.0, "connected"), ("h3", sky, 8, 64.0, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [("a", "h2", 2, 1000, 4, 5), ("b", "h2", 2, 1000, 4, 5), ("c", "h3", 2, 1500, 4, 5)]
        let inv = try Inventory.parse(smallInventory(hosts: hosts, vms: vms, balance: ", maxMovesPerHost: 1"),
                                      file: "poweroff.yaml", baseDirectory: "/", db: db)
        var options = PlanOptions()
        options.powerOff = ["h3"]
        let p = try PlacementProblem(inventory: inv, db: db, options: options)
        let bound = try #require(LowerBound.separable(p, deadline: monotonicSeconds() + 10))
        let brute = try #require(BruteForce(inventory: inv, problem: p).optimum())
        #expect(bound <= brute.value + 1e-6, "power-off: bound \(bound) above the optimum \(brute.value)")
    }

    /// Runs `step` after `prepare` on four generated clusters with rules, caps and budgets varied:
    /// the step never ends worse than it started, keeps every hard rule, cap and budget, and gives
    /// the same placement on a second run. Returns what it gained over the four.
    func stepOnGeneratedClusters(prepare: (inout PlacementState, inout Search, UInt64) -> Void,
                                 step: (inout PlacementState, inout Search, UInt64) -> Void) throws -> Double {
        var gained = 0.0
        for seed in 1...4 {
            var inv = try InventoryGenerator(hosts: 8 + seed % 4, vms: 120 + 20 * seed, seed: UInt64(seed)).generate(db: db)
            inv.cluster.balance.maxMovesPerHost = [0, 4, 8][seed % 3]
            let problem = try PlacementProblem(inventory: inv, db: db, options: PlanOptions(maxMoves: seed % 4 == 0 ? 20 : nil))
            func prepared() -> (PlacementState, Search) {
                var state = PlacementState(problem: problem)
                var search = Search(problem: problem, deadline: monotonicSeconds() + 60)
                search.mandatory(&state)
                search.balance(&state)
                search.relocate(&state)
                prepare(&state, &search, UInt64(seed))
                return (state, search)
            }
            var (state, search) = prepared()
            let before = state.objective
            step(&state, &search, UInt64(seed))
            #expect(state.objective <= before + 1e-6)
            #expect(state.brokenHardRules().isEmpty)
            #expect(state.capsAndBudgetsHold(comparedTo: PlacementState(problem: problem)))
            #expect(!search.cutByClock)
            var (again, searchAgain) = prepared()
            step(&again, &searchAgain, UInt64(seed))
            #expect(again.host == state.host)
            gained += before - state.objective
        }
        return gained
    }

    /// The late-acceptance walk after the local search: never worse, rules kept, repeatable; gains.
    @Test func lateAcceptanceWalkNeverLosesAndKeepsTheRules() throws {
        let gained = try stepOnGeneratedClusters(prepare: { state, search, _ in search.polish(&state) },
                                                 step: { state, search, seed in search.lateAcceptance(&state, steps: 30_000, seed: seed) })
        #expect(gained > 0)
    }

    /// Exchanges of host between moved VMs after the greedy pass: never worse, rules, caps and
    /// budgets kept, repeatable; gains.
    @Test func moverSwapsNeverLoseAndKeepTheRules() throws {
        let gained = try stepOnGeneratedClusters(prepare: { _, _, _ in }, step: { state, search, _ in search.moverSwaps(&state) })
        #expect(gained > 0)
    }

    /// Exact re-solves of host pairs after the walk: never worse, rules kept, repeatable; gains.
    @Test func exactPairsNeverLoseAndKeepTheRules() throws {
        let gained = try stepOnGeneratedClusters(prepare: { state, search, seed in search.lateAcceptance(&state, steps: 20_000, seed: seed) },
                                                 step: { state, search, _ in search.exactPairs(&state, rounds: 150) })
        #expect(gained > 0)
    }

    /// Where single moves and swaps stall: on this generated 4-host cluster at threshold 5 the walk
    /// ends 2.7 times above the optimum (it cannot make the three- and four-VM exchanges that
    /// balance memory without unbalancing CPU); with the pair re-solves the plan, the exact MILP
    /// left out, reaches the optimum, 2,929.227, which lp_solve proves for the full model
    /// (`migplan plan … --threshold 5 --exact-limit 5000 --time-limit 120`: 92 s, too long for here).
    @Test func exactPairsReachTheOptimumTheWalkMisses() throws {
        var inv = try InventoryGenerator(hosts: 4, vms: 30, seed: 3).generate(db: db)
        inv.cluster.balance.maxMovesPerHost = 0
        var options = PlanOptions(threshold: 5)
        options.exactBinaryLimit = 0
        let plan = try Optimizer(db: db).plan(inv, options: options)
        #expect(plan.violations.isEmpty)
        let problem = try PlacementProblem(inventory: inv, db: db, options: options)
        var walkOnly = PlacementState(problem: problem)
        var search = Search(problem: problem, deadline: monotonicSeconds() + 60)
        search.mandatory(&walkOnly)
        search.balance(&walkOnly)
        search.relocate(&walkOnly)
        search.lateAcceptance(&walkOnly, steps: 500 * problem.vmCount)
        search.polish(&walkOnly)
        #expect(plan.achieved < 0.5 * walkOnly.objective)
        #expect(plan.achieved <= 2929.227 * (1 + 1e-6))
    }

    // Regressions from the review of the optimizer (each used to end in an internal error or a
    // false "infeasible").

    @Test func affinityGroupIsEvacuatedTogether() throws {
        var hosts = Self.fourHosts
        hosts = [("h1", "Skylake-Server", 8, 64, "maintenance"), ("h2", "Skylake-Server", 8, 64, "connected"),
                 ("h3", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [("a", "h1", 2, 1000, 8, 5), ("b", "h1", 2, 1000, 8, 5), ("c", "h2", 1, 500, 4, 5)]
        let rules = "rules:\n  - name: ab\n    kind: vm-affinity\n    vms: [a, b]\n"
        let (plan, _, _) = try check(smallInventory(hosts: hosts, vms: vms, rules: rules))
        let place = Dictionary(uniqueKeysWithValues: plan.placement.map { ($0.vm, $0.host) })
        #expect(place["a"] == place["b"] && place["a"] != "h1")
        #expect(Set(plan.moves.filter { ["a", "b"].contains($0.vm) }.map(\.wave)).count == 1)
    }

    @Test func anOverfullHostShedsItsVMs() throws {
        let hosts: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 32, "connected"), ("h2", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [("a", "h1", 2, 1000, 16, 5), ("b", "h1", 2, 1000, 16, 5), ("c", "h1", 1, 500, 8, 5)]
        let (plan, _, _) = try check(smallInventory(hosts: hosts, vms: vms))
        #expect(plan.moves.contains { $0.reason == .capacity })
    }

    @Test func budgetsHoldAgainstTheExactModel() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [("p1", "h1", 2, 6000, 8, 5), ("p2", "h1", 2, 6000, 8, 5), ("c", "h2", 1, 500, 4, 5)]
        let products = "products:\n  - name: win\n    metric: per-host\n    unitPrice: 100\n    scope: occupancy\n    maxUnits: 1\n"
        let (plan, _, _) = try check(smallInventory(hosts: sky, vms: vms, rules: products, extraVM: ["p1": "    products: [win]", "p2": "    products: [win]"]))
        let place = Dictionary(uniqueKeysWithValues: plan.placement.map { ($0.vm, $0.host) })
        #expect(place["p1"] == place["p2"])
        #expect(plan.licensesAfter.first { $0.product == "win" }?.units == 1)
    }

    /// A budget the mandatory moves repaired stays repaired through the pair re-solves: at home the
    /// three Windows VMs occupy three hosts (over the budget of two); once they share two, balance
    /// would spread them again, which the budget forbids (judged against the home placement, which
    /// is over it too, the spread used to pass).
    @Test func pairReSolvesKeepARepairedBudget() throws {
        let sky: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 64, "connected"),
                                                           ("h2", "Skylake-Server", 8, 64, "connected"), ("h3", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [
            ("w1", "h1", 2, 3000, 8, 5), ("w2", "h2", 2, 3000, 8, 5), ("w3", "h3", 2, 3000, 8, 5),
            ("x1", "h1", 1, 500, 4, 5), ("x2", "h2", 1, 500, 4, 5),
        ]
        let products = "products:\n  - name: win\n    metric: per-host\n    unitPrice: 100\n    scope: occupancy\n    maxUnits: 2\n"
        let text = smallInventory(hosts: sky, vms: vms, rules: products,
                                  extraVM: ["w1": "    products: [win]", "w2": "    products: [win]", "w3": "    products: [win]"],
                                  balance: ", maxMovesPerHost: 0")
        let inv = try Inventory.parse(text, file: "small.yaml", baseDirectory: "/", db: db)
        let problem = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        var state = PlacementState(problem: problem)
        var search = Search(problem: problem, deadline: monotonicSeconds() + 60)
        #expect(state.budgetUnits[0] == 3)
        search.mandatory(&state)
        #expect(state.budgetUnits[0] <= 2)
        let before = state.objective
        search.exactPairs(&state, rounds: 20)
        #expect(state.budgetUnits[0] <= 2)
        #expect(state.objective <= before + 1e-9)
        let plan = try Optimizer(db: db).plan(inv)
        #expect(plan.violations.isEmpty && plan.method != "mandatory moves")
        #expect((plan.licensesAfter.first { $0.product == "win" }?.units ?? 99) <= 2)
    }

    /// lp_solve 5.5.2.5's branch and bound returns OPTIMAL for 1988.9 on this 6-binary model while
    /// 1622.2 is feasible (brute force agrees). `SolveOptions.verifyOptimum` (the default) re-solves
    /// with the objective required to beat the answer and so reaches the true optimum, with a proof.
    @Test func verifiedSolveMendsLpSolvesWorseOptimum() throws {
        let hosts: [(String, String, Int, Double, String)] = [("h1", "Skylake-Server", 8, 32, "connected"), ("h2", "Skylake-Server", 8, 64, "connected")]
        let vms: [(String, String, Int, Double, Double, Double)] = [("a", "h1", 2, 1000, 16, 5), ("b", "h1", 2, 1000, 16, 5), ("c", "h1", 1, 500, 8, 5)]
        let text = smallInventory(hosts: hosts, vms: vms)
        let (plan, inv, bruteValue) = try check(text)
        let brute = try #require(bruteValue)
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        let model = ExactModel(p)
        let raw = model.program.solve(SolveOptions(verifyOptimum: false))
        let verified = model.program.solve()
        #expect(verified.status == .optimal)
        let value = try #require(verified.objective)
        #expect(abs(value - brute) <= 1e-6 * max(1, brute), "verified \(value) vs brute force \(brute)")
        #expect((raw.objective ?? .infinity) >= value - 1e-6)
        if let bound = verified.bound { #expect(bound <= brute + 1e-9) }
        #expect(plan.status == .optimal && abs(plan.achieved - brute) <= 1e-6 * max(1, brute),
                "status \(plan.status), method \(plan.method), achieved \(plan.achieved)")
    }
}

/// The sequencer's way out of a swap between two full hosts: one VM waits on a third host, and that
/// host must keep the VM's vm-spread rule.
@Suite struct SequencerDetourTests {
    /// Skylake hosts h1, h2, … with these memory sizes.
    static func hosts(memoryGiB: [Double]) -> [(String, String, Int, Double, String)] {
        memoryGiB.enumerated().map { ("h\($0.offset + 1)", "Skylake-Server", 8, $0.element, "connected") }
    }

    @Test func aDetourKeepsTheSpreadRule() throws {
        let db = try CPUDB.builtin()
        let hosts = Self.hosts(memoryGiB: [8, 8, 16, 32])
        // x (rack-a) and y (rack-b) trade hosts; x and w (rack-c) must span two racks. The roomiest
        // waiting place for x is h4, in w's rack: it would leave the rule with one rack during the moves.
        let vms: [(String, String, Int, Double, Double, Double)] = [
            ("x", "h1", 1, 500, 6, 5), ("y", "h2", 1, 500, 6, 5), ("w", "h4", 1, 100, 1, 5),
        ]
        var text = smallInventory(hosts: hosts, vms: vms,
                                  rules: "rules:\n  - name: ha\n    kind: vm-spread\n    vms: [x, w]\n    minFaultDomains: 2\n")
        for (host, rack) in [("h1", "rack-a"), ("h2", "rack-b"), ("h3", "rack-a"), ("h4", "rack-c")] {
            text = text.replacingOccurrences(of: "- name: \(host)\n", with: "- name: \(host)\n    faultDomain: \(rack)\n")
        }
        let inv = try Inventory.parse(text, file: "detour.yaml", baseDirectory: "/", db: db)
        #expect(inv.hosts.indices.map { inv.faultDomain(ofHost: $0) } == ["rack-a", "rack-b", "rack-a", "rack-c"])
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        #expect(p.home == [0, 1, 3])
        let final = [1, 0, 3]
        let result = Sequencer(problem: p).sequence(final: final, priority: [:])
        #expect(result.unresolved.isEmpty)
        #expect(result.steps.count == 3)
        // Replay the waves: x never sits in w's rack, and everything ends where it should.
        var at = p.home
        for wave in Set(result.steps.map(\.wave)).sorted() {
            for s in result.steps where s.wave == wave { at[s.v] = s.to }
            #expect(at[0] != 3, "x waited in w's rack during wave \(wave)")
        }
        #expect(at == final)
        let validator = PlanValidator(inventory: inv, engine: p.engine, mustBeEmpty: [], capExempt: [], maxMoves: p.maxMoves)
        #expect(validator.violations(final: final, steps: result.steps).isEmpty)
    }

    @Test func aDetourKeepsTheLicenceBudget() throws {
        let db = try CPUDB.builtin()
        let hosts = Self.hosts(memoryGiB: [8, 8, 32, 16])
        // x and y trade hosts; every VM runs a product licensed per host with a budget of 3 hosts, used
        // up by h1 (z stays there), h2 and h4. The roomiest waiting place, h3, would need a fourth.
        let vms: [(String, String, Int, Double, Double, Double)] = [
            ("x", "h1", 1, 500, 6, 5), ("y", "h2", 1, 500, 6, 5), ("z", "h1", 1, 100, 1, 5), ("w", "h4", 1, 100, 1, 5),
        ]
        let products = "products:\n  - name: win\n    metric: per-host\n    unitPrice: 100\n    scope: occupancy\n    maxUnits: 3\n"
        let text = smallInventory(hosts: hosts, vms: vms, rules: products,
                                  extraVM: Dictionary(uniqueKeysWithValues: ["x", "y", "z", "w"].map { ($0, "    products: [win]") }))
        let inv = try Inventory.parse(text, file: "budget.yaml", baseDirectory: "/", db: db)
        let p = try PlacementProblem(inventory: inv, db: db, options: PlanOptions())
        #expect(p.home == [0, 1, 0, 3])
        let final = [1, 0, 0, 3]
        let result = Sequencer(problem: p).sequence(final: final, priority: [:])
        #expect(result.unresolved.isEmpty)
        #expect(!result.steps.contains { $0.to == 2 }, "a VM waited on h3: \(result.steps)")
        let validator = PlanValidator(inventory: inv, engine: p.engine, mustBeEmpty: [], capExempt: [], maxMoves: p.maxMoves)
        #expect(validator.violations(final: final, steps: result.steps).isEmpty)
    }
}

/// A tiny seeded generator for the random small cases: `next(n)` is in 0..<n, the same sequence on
/// every platform.
struct SmallLCG {
    var state: UInt64
    mutating func callAsFunction(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }
}
