import Foundation
import Logging
import MigPlanCPU
import MigPlanInventory
import MigPlanLicensing
import MigPlanLP
import MigPlanMigration

/// The DRS-style placement optimizer: mandatory moves, a greedy balance pass, local search,
/// exact MILP where the model is small enough to prove, a proven lower bound from LP
/// relaxations, the sequencer, and the validator on every plan it returns.
public struct Optimizer: Sendable {
    public let db: CPUDB
    public let logger: Logger?

    public init(db: CPUDB, logger: Logger? = nil) {
        self.db = db
        self.logger = logger
    }

    /// No plan: nothing moves; `infeasibilities` say which VM and which constraint.
    private func infeasible(_ problem: PlacementProblem, before: Plan.Balance, start: Double,
                            _ infeasibilities: [Plan.Infeasibility]) -> Plan {
        let unchanged = licenses(problem, final: problem.home).0
        return Plan(status: .infeasible, moves: [], placement: placement(problem, problem.home), before: before,
                    after: before, objectiveName: objectiveName(problem), achieved: PlacementState(problem: problem).objective,
                    lowerBound: nil, waves: 0, migratedMiB: 0, infeasibilities: infeasibilities,
                    emptiedHosts: [], solverSeconds: monotonicSeconds() - start, method: "mandatory moves", violations: [],
                    licensesBefore: unchanged, licensesAfter: unchanged)
    }

    public func plan(_ inventory: Inventory, options: PlanOptions = PlanOptions()) throws(MigPlanError) -> Plan {
        let start = monotonicSeconds()
        let deadline = start + options.timeLimit
        if let target = options.targetImbalance {
            guard target.isFinite && target >= 0 else {
                throw .invalidInput(file: inventory.source, line: nil, keyPath: "targetImbalance",
                                    message: "the target imbalance is a σ of normalized load: a number ≥ 0, not \(target)")
            }
            guard options.goal == .balance else {
                throw .invalidInput(file: inventory.source, line: nil, keyPath: "targetImbalance",
                                    message: "a target imbalance is a balance goal; --goal \(options.goal.rawValue) has none")
            }
        }
        var problem = try PlacementProblem(inventory: inventory, db: db, options: options)
        var state = PlacementState(problem: problem)
        var search = Search(problem: problem, deadline: deadline)
        let before = balance(problem, state)
        var methods: [String] = []

        search.mandatory(&state)
        if !search.unresolved.isEmpty {
            return infeasible(problem, before: before, start: start,
                              search.unresolved.map { .init(vm: inventory.vms[$0.vm].name, constraint: $0.constraint) })
        }
        var emptied: [Int] = []
        // What the mandatory moves alone give: the fallback if a better plan cannot be ordered.
        let mandatoryOnly = (state: state, reasons: search.reasons)
        if options.goal == .consolidate {
            emptied = consolidate(&state, &problem, &search)
            methods.append("consolidation")
        }
        // Greedy descent and relocation; out of their local optimum by a late-acceptance walk (a
        // fixed, seeded number of steps); exact re-solves of host pairs (lp_solve: the multi-VM
        // exchanges the walk cannot make; 40 per host, fewer on large inventories, where each
        // costs more (measured: about V^1.5) and gains less; 400 rounds at 1,000 VMs, 12 at
        // 10,000); then the full local search (moves and swaps) once.
        let targetHosts = problem.isTarget.filter { $0 }.count
        let capped = problem.maxMovesPerHost > 0 || problem.maxMoves > 0
        func improve(_ s: inout PlacementState, _ search: inout Search, walkSeed: UInt64 = 1) {
            search.balance(&s)
            search.relocate(&s)
            // Without move caps 2,000 steps per VM: over three seeds at 16 × 400 and 32 × 1,000 the
            // longer walk ended lower in all 6 plans (one by 0.02 %); with caps, where half the steps
            // are trades, it did not (sums of gaps 30.5 vs 29.4 %). At most a million steps with caps
            // (64 × 4,000 with two million: worse in both seeds tried) and above 5,000 VMs (about
            // 0.4 s per million steps at 96 × 10,000, whose plan is due in 2 s); up to 8 million
            // otherwise (64 × 4,000, seeds 1–3: gaps 2.82 / 3.11 / 3.12 % → 1.89 / 2.07 / 2.24 % for
            // 1.5–2.5 s more; 32 × 1,000 now walks 2 million steps: 2.47 → 2.40 %).
            let perVM = capped ? 500 : 2_000
            let ceiling = capped || problem.vmCount > 5_000 ? 1_000_000 : 8_000_000
            search.lateAcceptance(&s, steps: min(ceiling, perVM * problem.vmCount), seed: walkSeed)
            search.exactPairs(&s, rounds: min(1_000, 40 * targetHosts, Int(12_600_000 / pow(Double(max(1, problem.vmCount)), 1.5))))
            search.polish(&s)
        }
        // The full model's LP relaxation, for the bound and an LP-guided start (below): up to 40,000
        // columns always (32 × 1,000: 0.3–0.6 s), up to 200,000 with move caps, where the separable
        // bound is weak and the LP converges fast (64 × 4,000 with caps: 8 masters, 1.5–2 s; bound
        // 1,283,914 vs separable 683,041). Above 10,000 columns by column generation. Without caps
        // the separable bound is within 0.1 % of the LP at 64 × 4,000 and the LP needs over 30
        // masters there (7–9 s).
        let binaries = ExactModel.binaryCount(problem)
        let lpColumns = options.goal == .balance ? (capped ? 200_000 : 40_000) : 0
        let directLPColumns = 10_000
        let columnGeneration = binaries > directLPColumns && binaries <= lpColumns
        var proven = false
        // Set when the clock stopped a part of the search short (then the status says so).
        var cutByClock = false
        var bound: Double? = nil
        // A target imbalance: the fewest bytes that bring σ within it (``reachTarget``), from the
        // mandatory moves; the weighted objective's search, MILP and bounds do not apply.
        var goal: ImbalanceGoal? = nil
        if let target = options.targetImbalance {
            let reached = reachTarget(target, problem, search: search, mandatory: mandatoryOnly,
                                      lpColumns: binaries <= 40_000 ? binaries : 0, deadline: deadline)
            (state, search, goal, bound) = (reached.state, reached.search, reached.goal, reached.bound)
            cutByClock = reached.cutByClock
            methods.append(reached.method)
        } else {
            // The separable relaxation (the bound), solved first: where its optimum sends VMs away from
            // their home hosts, they leave before the search, each for its best destination, largest
            // first. It picks, for the excess each host must shed, the VMs cheapest to copy, which the
            // greedy pass, one move at a time, does not (seed 1 without caps, plan before the LP's start:
            // 96 × 10,000 695,210 → 647,658, 64 × 4,000 478,865 → 455,288; lower or equal in every plan
            // of seeds 1–2 with and without caps). Without caps its hosts' parts are solved with whole
            // VMs, and that start is the better one everywhere (seeds 1–5, sums of the four sizes' gaps
            // 28.3 → 21.9 %; 32 × 1,000 2.0–3.2 → 1.0–1.4 %). With caps its shares are fractional, and
            // it starts no plan where column generation follows: the master starts from the plan's
            // columns, and from the greedy plan's it reached LP vertices that round better (seeds 1–5
            // with caps, gap sums without vs with this start: 64 × 4,000 1.6 vs 2.6 % and up to 4.3 s;
            // 32 × 1,000 22.0 vs 21.3 %, so mixed there; starts from the hosts' whole-VM parts with
            // their caps were worse at every size).
            let separable = options.goal == .balance ? LowerBound.separableShares(problem, deadline: deadline + 1) : nil
            let beforeStart = (state: state, search: search)
            var started = false
            if let separable, !columnGeneration || separable.whole {
                started = true
                // A VM leaving a host its home VMs overfill moves for capacity (as a mandatory move would).
                let initial = PlacementState(problem: problem)
                let overfull = (0..<problem.hostCount).map(initial.overCapacity)
                let out = (0..<problem.vmCount).filter { separable.leaving[$0] >= 0.5 && state.host[$0] == problem.home[$0] }
                    .sorted { (problem.demand[$0], $1) > (problem.demand[$1], $0) }
                for v in out {
                    if let (h, _) = search.bestDestination(state, v) {
                        state.move(v, to: h)
                        search.reasons[v] = overfull[problem.home[v]] ? .capacity : .balance
                    }
                }
                methods.append("relaxation-guided start")
            }
            let afterStart = (state: state, search: search)
            improve(&state, &search)
            methods.append("greedy + local search + exact pair re-solves")
            cutByClock = search.cutByClock
            // Another search's plan replaces the current one if better.
            func keep(_ g: PlacementState, _ s: Search, method: String) {
                cutByClock = cutByClock || s.cutByClock
                if g.objective < state.objective - 1e-7 {
                    state = g
                    search = s
                    methods.append(method)
                }
            }
            // The same search from another start.
            func searchFrom(_ start: PlacementState, _ startSearch: Search, method: String) {
                var (g, s) = (start, startSearch)
                improve(&g, &s)
                keep(g, s, method: method)
            }
            // On small clusters also from the state before the relaxation's start. A different basin
            // there is cheap and can be the better one (the 4 × 30 cluster of
            // `exactPairsReachTheOptimumTheWalkMisses`: 3,760.8 from the relaxation's start, the optimum
            // 2,929.2 from the greedy one; 16 × 400 without caps, seeds 1–5: one plan of five better,
            // 1.57 → 0.99 %, for 0.3–0.7 s; none of 32 × 1,000's, for 0.9 s, so not there). Above
            // threshold 3 the pair re-solves take most of the time (8 times as long a solve as at 3), so
            // there only up to 100 VMs (16 × 400 at threshold 5 took 7.4 s for one search).
            if started && problem.vmCount <= (problem.threshold <= 3 ? 500 : 100) {
                searchFrom(beforeStart.state, beforeStart.search, method: "greedy start")
            }
            // Without caps and up to 1,000 VMs, more walks from the same start with other seeds, side by
            // side: a walk's basin depends on its seed. Two (seeds 1–5 at 16 × 400 and 32 × 1,000: gap sums
            // 9.93 → 9.30 %; 32 × 1,000 seed 1 1.08 → 0.86 %; 1–2 s more), six up to 500 VMs (16 × 400:
            // 4.40 → 4.09 %, seed 1 1.06 → 0.84 %, 0.8 s more; four gave 4.33 %). Not with caps: there
            // column generation starts from the plan's columns, and from the better plans it reached
            // vertices that ended worse (32 × 1,000 seeds 1–5: 22.0 → 25.1 %). Nor above threshold 3,
            // where the pair re-solves take most of the time (16 × 400 at threshold 5: 7.4 s alone, past
            // the 10-s limit with the walks).
            if !capped && problem.threshold <= 3 && problem.vmCount <= 1_000 {
                let walks = concurrentMap(problem.vmCount <= 500 ? 6 : 2) { k -> (state: PlacementState, search: Search) in
                    var (g, s) = afterStart
                    improve(&g, &s, walkSeed: UInt64(2 + k))
                    return (g, s)
                }
                for (k, w) in walks.enumerated() { keep(w.state, w.search, method: "walk seed \(2 + k)") }
            }

            // Exact MILP where the model is small enough to prove.
            let model = binaries <= max(options.exactBinaryLimit, lpColumns) ? ExactModel(problem) : nil
            if let model, model.binaries > 0 && model.binaries <= options.exactBinaryLimit && monotonicSeconds() < deadline {
                // Half the time stays for the LP relaxation's bound and the LP-guided start, should the
                // MILP not prove (with a tenth, a MILP stopped by the clock left the guided start no time
                // and the plan was worse than without the MILP: example cluster, 3 s, 16,417 vs 16,164).
                let s = model.program.solve(SolveOptions(timeLimit: max(0.05, 0.5 * (deadline - monotonicSeconds()))), logger: logger)
                if s.hasSolution, let value = s.objective {
                    let exact = model.placement(s)
                    var candidate = PlacementState(problem: problem)
                    for v in 0..<problem.vmCount where exact[v] != candidate.host[v] { candidate.move(v, to: exact[v]) }
                    let consistent = candidate.brokenHardRules().isEmpty && abs(candidate.objective - value) <= 1e-6 * max(1, abs(value))
                        && candidate.capsAndBudgetsHold(comparedTo: PlacementState(problem: problem))
                    if !consistent {
                        logger?.warning("MILP solution disagrees with the objective, the rules, the caps or the budgets; kept the search's plan",
                                        metadata: ["milp": "\(value)", "evaluated": "\(candidate.objective)"])
                    } else {
                        if value < state.objective - 1e-7 {
                            for v in 0..<problem.vmCount where exact[v] != problem.home[v] && (search.reasons[v] == nil || state.host[v] == problem.home[v]) {
                                search.reasons[v] = problem.evacuated[problem.home[v]] ? .evacuation : .balance
                            }
                            state = candidate
                        }
                        if s.status == .optimal, let b = s.bound {
                            proven = true
                            bound = b
                        }
                    }
                    methods.append(proven ? "exact MILP (proven)" : !consistent ? "exact MILP (answer not usable: budgets are not in the model)"
                                    : s.status == .optimal ? "exact MILP" : "exact MILP (time-limited)")
                }
                if s.status == .feasible || s.status == .timeLimit { cutByClock = true }
            }

            // A second start for the same search: an LP optimum's assignments (those at one half or
            // more) from the mandatory moves' state, then greedy, walk, pair re-solves and polish; the
            // better plan is kept. Where the LP splits few VMs this start sits in a basin the greedy
            // one does not reach.
            func guidedStart(_ model: ExactModel, _ r: LPSolution) {
                var guided = search
                var g = mandatoryOnly.state
                guided.reasons = mandatoryOnly.reasons
                model.moveToward(r, &g, reasons: &guided.reasons)
                searchFrom(g, guided, method: "LP-guided start")
            }
            // Lower bound: the best of the relaxations that are affordable.
            bounds: if options.goal == .balance {
                if let b = separable?.value { bound = max(bound ?? b, b) }
                if let model, !proven && model.binaries > 0 {
                    // Without the LP optimum there is no LP-guided start: the plan then depends on the clock.
                    guard monotonicSeconds() < deadline else { cutByClock = true; break bounds }
                    let r: LPSolution
                    if model.binaries <= directLPColumns {
                        // Small: lp_solve on the whole LP (16 × 400: 0.1 s). Its optimum, reached from
                        // lp_solve's own start, is another vertex than column generation's from the plan,
                        // and a start further from the plan (measured over three seeds at 16 × 400: sums of
                        // gaps 7.2 vs 7.7 % without caps, 15.7 vs 16.9 % with).
                        r = model.program.relaxation.solve(SolveOptions(timeLimit: max(0.05, deadline - monotonicSeconds())))
                        if r.status == .timeLimit || r.status == .feasible { cutByClock = true }
                    } else {
                        // Column generation: the master starts with the plan's columns (a feasible master)
                        // and every continuous variable; the rounds are capped, so the answer does not
                        // depend on the clock unless the deadline stops it. Converged, its optimum is the
                        // LP's: a bound; stopped by the cap, the master's optimum still guides a start.
                        var active = [Bool](repeating: true, count: model.program.variables.count)
                        for c in model.columns { active[c.x.index] = c.h == state.host[c.v] }
                        let report: PricingReport
                        (r, report) = model.program.relaxation.solveByPricing(
                            active: active, options: SolveOptions(timeLimit: max(0.05, deadline - monotonicSeconds())),
                            maxRounds: 30, columnsPerRound: 300, logger: logger)
                        if r.status == .timeLimit || report.stoppedByClock { cutByClock = true }
                        if r.status == .infeasible || r.status == .failed {
                            // The plan's columns are a feasible master unless the model and the search
                            // disagree on a constraint: say so, keep the search's plan and bound.
                            logger?.warning("column generation from the plan found no LP solution",
                                            metadata: ["status": "\(r.status)", "code": "\(r.solverCode)"])
                        }
                    }
                    if r.status == .optimal, let value = r.objective { bound = max(bound ?? value, value) }
                    if r.hasSolution { guidedStart(model, r) }
                    // The separable parts as cuts of the same LP: it is then at least both bounds, and
                    // above them where the parts bind (16 × 400 without caps, seed 1 100,396 → 100,480,
                    // seed 3 89,398 → 90,236; 32 × 1,000 219,561 → 219,936). For the bound only: as a
                    // start its optimum was no better (seeds 1–5) and once worse. Column generation
                    // stalls on the cut rows (one master ran 29 s), so lp_solve solves it whole
                    // (32 × 1,000: 1.3–1.8 s).
                    if !capped, let parts = separable?.parts, !parts.isEmpty, monotonicSeconds() < deadline {
                        var cut = model
                        cut.addSeparableCuts(parts)
                        let c = cut.program.relaxation.solve(SolveOptions(timeLimit: max(0.05, deadline - monotonicSeconds())))
                        if c.status == .timeLimit || c.status == .feasible { cutByClock = true }
                        if c.status == .optimal, let value = c.objective { bound = max(bound ?? value, value) }
                    }
                }
            }
        }
        // What the plan achieves: the weighted objective, or with a target imbalance the bytes.
        func achievedValue() -> Double {
            goal == nil ? state.objective : state.migratedMiB
        }
        if let b = bound {
            // A bound above the plan means the exact model was narrower than the search (its
            // proof does not cover this plan): claim nothing.
            let value = achievedValue()
            if b > value * (1 + 1e-6) + 1e-6 {
                logger?.warning("lower bound above the achieved objective", metadata: ["bound": "\(b)", "achieved": "\(value)"])
                bound = nil
                proven = false
            } else {
                bound = min(b, value)
            }
        }

        // Sequence and validate; a plan that cannot be ordered or fails the validator falls back
        // to the mandatory moves alone (and, for consolidation, to the hosts it kept).
        func sequenceAndValidate(_ problem: PlacementProblem, _ final: [Int], _ reasons: [Int: MoveReason]) -> (Sequencer.Result, [String]) {
            let validator = PlanValidator(inventory: inventory, engine: problem.engine,
                                          mustBeEmpty: Set((0..<problem.hostCount).filter { problem.evacuated[$0] }),
                                          capExempt: Set((0..<problem.hostCount).filter { problem.capExempt[$0] }),
                                          maxMoves: problem.maxMoves)
            let sequence = Sequencer(problem: problem).sequence(final: final, priority: reasons)
            var violations = validator.violations(final: final, steps: sequence.steps)
            if !sequence.unresolved.isEmpty {
                violations.append("the sequencer could not order the moves of " + sequence.unresolved.map { inventory.vms[$0].name }.joined(separator: ", "))
            }
            return (sequence, violations)
        }
        var final = state.host
        var (sequence, violations) = sequenceAndValidate(problem, final, search.reasons)
        if !violations.isEmpty {
            logger?.warning("plan could not be ordered or validated; falling back to the mandatory moves",
                            metadata: ["violations": "\(violations.prefix(5))"])
            let fallbackProblem = emptied.isEmpty ? problem : (try? PlacementProblem(inventory: inventory, db: db, options: options)) ?? problem
            var fallback = PlacementState(problem: fallbackProblem)
            for v in 0..<problem.vmCount where mandatoryOnly.state.host[v] != fallback.host[v] { fallback.move(v, to: mandatoryOnly.state.host[v]) }
            let (fallbackSequence, fallbackViolations) = sequenceAndValidate(fallbackProblem, fallback.host, mandatoryOnly.reasons)
            guard fallbackViolations.isEmpty else {
                // Even the mandatory moves cannot be carried out safely: say which constraint.
                return infeasible(problem, before: before, start: start,
                                  fallbackViolations.map { .init(vm: "-", constraint: $0) })
            }
            methods.append("fell back to the mandatory moves (\(violations.first ?? ""))")
            if let g = goal { goal?.reached = balance(fallbackProblem, fallback).imbalance <= g.imbalance }
            problem = fallbackProblem
            state = fallback
            search.reasons = mandatoryOnly.reasons
            emptied = []
            bound = nil
            proven = false
            final = fallback.host
            sequence = fallbackSequence
            violations = []
        }
        let moves = sequence.steps.map { step -> PlannedMove in
            let pc = problem.engine.precopy[step.v]
            return PlannedMove(vm: inventory.vms[step.v].name, from: inventory.hosts[step.from].name, to: inventory.hosts[step.to].name,
                               wave: step.wave, seconds: pc.seconds, downtimeMs: pc.downtimeMs, megabytes: pc.megabytes,
                               reason: search.reasons[step.v] ?? .balance)
        }
        let achieved = achievedValue()
        let timedOut = cutByClock || monotonicSeconds() >= deadline
        let status: Plan.Status
        if moves.isEmpty {
            status = .noImprovement
        } else if proven || (bound.map { achieved - $0 <= 1e-9 * max(1, achieved) } ?? false) {
            status = .optimal
        } else if timedOut {
            status = .timeLimit
        } else {
            status = .feasible
        }
        var result = Plan(status: status, moves: moves, placement: placement(problem, final), before: before,
                          after: balance(problem, state, poweredOff: Set(emptied)),
                          objectiveName: goal == nil ? objectiveName(problem) : "pre-copy-MiB subject to imbalance <= target", achieved: achieved,
                          lowerBound: bound, waves: sequence.steps.map(\.wave).max() ?? 0,
                          migratedMiB: moves.reduce(0) { $0 + $1.megabytes }, infeasibilities: [],
                          emptiedHosts: emptied.map { inventory.hosts[$0].name }, solverSeconds: monotonicSeconds() - start,
                          method: methods.joined(separator: ", "), violations: violations)
        (result.licensesBefore, result.licensesAfter) = licenses(problem, final: final)
        if goal == nil {
            let c = state.components
            result.objectiveParts = ObjectiveParts(cpuDeviation: c.deviation, memoryDeviation: c.memory, overHeadroom: c.over,
                                                   migrationCost: c.moves, ruleViolations: c.rules)
        }
        result.target = goal
        return result
    }

    /// The full placement model of `inventory`: x[v,h] for every VM and every host it may end on,
    /// with capacity, rules, move caps and the objective plans report (``Plan/achieved``), for
    /// another solver (``LinearProgram/writeMPS(to:)``) or a check of a plan's gap. Licence unit
    /// budgets are not in it (the search and the validator keep them): with budgets it is a
    /// relaxation. Evacuations, the threshold and the move caps of `options` apply as in
    /// ``plan(_:options:)``; the hosts a consolidation would power off are not chosen (that is the
    /// search's), so with `.consolidate` this is the balance model. With a target imbalance it is the
    /// model of the target's bound: pre-copy MiB under the rows σ ≤ target implies (a relaxation).
    public func model(_ inventory: Inventory, options: PlanOptions = PlanOptions()) throws(MigPlanError) -> LinearProgram {
        let problem = try PlacementProblem(inventory: inventory, db: db, options: options)
        var model = ExactModel(problem)
        if let target = options.targetImbalance {
            model.relaxImbalanceTarget(target, bytes: problem.engine.precopy.map(\.megabytes))
        }
        return model.program
    }

    /// DPM-style: empty the least loaded hosts while the others carry their VMs within headroom.
    private func consolidate(_ s: inout PlacementState, _ p: inout PlacementProblem, _ search: inout Search) -> [Int] {
        var emptied: [Int] = []
        let order = (0..<p.hostCount).filter { p.isTarget[$0] }.sorted { (s.load[$0] / p.cpuCapacity[$0], $0) < (s.load[$1] / p.cpuCapacity[$1], $1) }
        for h in order {
            let others = (0..<p.hostCount).filter { p.isTarget[$0] && $0 != h && !emptied.contains($0) }
            guard !others.isEmpty else { break }
            let capacityLeft = others.reduce(0.0) { $0 + (1 - p.headroom) * p.cpuCapacity[$1] - s.load[$1] }
            guard capacityLeft >= s.load[h] else { continue }
            var trial = s
            var ok = true
            let vms = (0..<p.vmCount).filter { trial.host[$0] == h }.sorted { (p.memory[$0], $0) > (p.memory[$1], $1) }
            for v in vms {
                let fitting = others.filter { d in
                    trial.canMove(v, to: d) && trial.load[d] + p.demand[v] <= (1 - p.headroom) * p.cpuCapacity[d]
                        && trial.configured[d] + p.memory[v] <= p.memoryCapacity[d] * (1 - p.inventory.cluster.balance.memoryHeadroomPct / 100)
                }
                guard let d = fitting.min(by: { (trial.delta(v, to: $0), $0) < (trial.delta(v, to: $1), $1) }) else { ok = false; break }
                trial.move(v, to: d)
            }
            if ok {
                for v in vms { search.reasons[v] = .consolidation }
                s = trial
                emptied.append(h)
            }
        }
        if !emptied.isEmpty {
            // The emptied hosts leave the balance: recompute the problem with them evacuated.
            var options = p.options
            options.powerOff += emptied.map { p.inventory.hosts[$0].name }
            if let q = try? PlacementProblem(inventory: p.inventory, db: db, options: options) {
                let moved = s.host
                p = q
                var fresh = PlacementState(problem: q)
                for v in 0..<q.vmCount where moved[v] != fresh.host[v] { fresh.move(v, to: moved[v]) }
                s = fresh
                let reasons = search.reasons
                search = Search(problem: q, deadline: search.deadline)
                search.reasons = reasons
            }
        }
        return emptied
    }

    /// Licence use before (hosts in service now) and after (hosts left in service).
    func licenses(_ p: PlacementProblem, final: [Int]) -> ([LicenseUsage], [LicenseUsage]) {
        let inv = p.inventory
        let reach = (0..<p.vmCount).map { v in p.allowed[v] + (p.homeAllowed[v] ? [p.home[v]] : []) }
        let connectedNow = inv.hosts.map { $0.state == .connected }
        let connectedAfter = (0..<p.hostCount).map { p.isTarget[$0] }
        return (Licensing.usage(inv, placement: p.home, reach: reach, connected: connectedNow),
                Licensing.usage(inv, placement: final, reach: reach, connected: connectedAfter))
    }

    private func objectiveName(_ p: PlacementProblem) -> String {
        p.threshold == 1 ? "migration-cost" : "l1-deviation+migration-cost"
    }

    private func placement(_ p: PlacementProblem, _ host: [Int]) -> [(vm: String, host: String)] {
        host.enumerated().map { (p.inventory.vms[$0].name, p.inventory.hosts[$1].name) }
    }

    /// σ of normalized CPU load (and memory) over the connected hosts, as the spec defines the
    /// DRS figure; hosts powered off by the plan are no longer connected afterwards.
    func balance(_ p: PlacementProblem, _ s: PlacementState, poweredOff: Set<Int> = []) -> Plan.Balance {
        let counted = p.imbalanceHosts
        let targets = (0..<p.hostCount).filter { counted[$0] && !poweredOff.contains($0) }
        guard !targets.isEmpty else { return .init(imbalance: 0, memoryImbalance: 0, maxLoad: 0) }
        func sigma(_ xs: [Double]) -> Double {
            let mean = xs.reduce(0, +) / Double(xs.count)
            return (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)).squareRoot()
        }
        let cpu = targets.map { s.load[$0] / p.cpuCapacity[$0] }
        let mem = targets.map { s.activeMemory[$0] / p.hostMemory[$0] }
        return .init(imbalance: sigma(cpu), memoryImbalance: sigma(mem), maxLoad: cpu.max() ?? 0)
    }
}
