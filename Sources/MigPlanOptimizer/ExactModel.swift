import MigPlanInventory
import MigPlanLP

/// The full placement model, x[v,h] for every VM and every host it may end on: solved exactly
/// (MILP) when small enough to prove, and as an LP relaxation for a lower bound when moderate.
/// Its objective is the same function ``PlacementState/objective`` computes.
struct ExactModel {
    /// Every host `v` may end on: home first when it may stay, then its allowed destinations.
    static func candidates(_ p: PlacementProblem, _ v: Int) -> [Int] {
        var c = p.movable[v] ? p.allowed[v] : []
        if p.homeAllowed[v] || (!p.movable[v] && p.isTarget[p.home[v]]) { c.insert(p.home[v], at: 0) }
        return c
    }

    /// Free assignment variables the model would have, without building it.
    static func binaryCount(_ p: PlacementProblem) -> Int {
        var n = 0
        for v in 0..<p.vmCount {
            let c = candidates(p, v).count
            if c > 1 { n += c }
        }
        return n
    }

    /// A part of a placement to re-solve exactly: `vms` may go to any of `hosts` they may run
    /// on (each is on one of them in `current`); every other VM stays where `current` has it.
    struct Neighbourhood {
        var current: [Int]
        var vms: [Int]
        var hosts: [Int]
        /// Per free VM (indexed by VM), the hosts it may go to besides its current one; nil = all
        /// of `hosts`.
        var destinations: [[Int]]? = nil
    }

    var program = LinearProgram()
    /// (vm, host, variable) of every free assignment.
    var columns: [(v: Int, h: Int, x: LinearProgram.Variable)] = []
    var binaries: Int { columns.count }
    let problem: PlacementProblem
    /// Each VM's possible hosts in this model (one = fixed).
    private let candidateHosts: [[Int]]
    /// Per target host with free columns: its CPU deviation, headroom overload and memory deviation
    /// variables (nil where their weight is 0), and the CPU demand and active memory fixed on it.
    private var hostTerms: [Int: (d: LinearProgram.Variable?, o: LinearProgram.Variable?, m: LinearProgram.Variable?,
                                  fixedLoad: Double, fixedMemory: Double)] = [:]

    /// The whole model, or (with `neighbourhood`) the model of that part with the rest fixed:
    /// the objective then differs from the full one by a constant (the fixed hosts' terms and the
    /// rules without a free VM are left out).
    init(_ p: PlacementProblem, neighbourhood: Neighbourhood? = nil) {
        problem = p
        var lp = LinearProgram()
        var objective: [LinearProgram.Term] = []
        var constant = 0.0
        // Candidate hosts; VMs with one candidate are fixed.
        var candidates = [[Int]](repeating: [], count: p.vmCount)
        var fixedLoad = [Double](repeating: 0, count: p.hostCount), fixedMem = fixedLoad, fixedRes = fixedLoad, fixedConf = fixedLoad
        var xs = [[Int: LinearProgram.Variable]](repeating: [:], count: p.vmCount)
        var free = [Bool](repeating: neighbourhood == nil, count: p.vmCount)
        var freeHost = [Bool](repeating: neighbourhood == nil, count: p.hostCount)
        if let n = neighbourhood {
            for v in n.vms { free[v] = true }
            for h in n.hosts { freeHost[h] = true }
        }
        for v in 0..<p.vmCount {
            var c: [Int]
            if let n = neighbourhood {
                if free[v], let only = n.destinations?[v] {
                    let wanted = Set(only + [n.current[v]])
                    c = Self.candidates(p, v).filter { freeHost[$0] && wanted.contains($0) }
                } else {
                    c = free[v] ? Self.candidates(p, v).filter { freeHost[$0] } : [n.current[v]]
                }
                if !c.contains(n.current[v]) { c = [n.current[v]] }
            } else {
                c = Self.candidates(p, v)
            }
            candidates[v] = c
            if c.count == 1 {
                let h = c[0]
                fixedLoad[h] += p.demand[v]; fixedMem[h] += p.activeMemory[v]
                fixedRes[h] += p.reservation[v]; fixedConf[h] += p.memory[v]
                if h != p.home[v] { constant += p.moveCost[v] }
            } else {
                for h in c {
                    let x = lp.addBinary("x_\(v)_\(h)")
                    xs[v][h] = x
                    columns.append((v, h, x))
                    if h != p.home[v] { objective.append(.init(x, p.moveCost[v])) }
                }
                lp.addConstraint(xs[v].values.sorted().map { .init($0, 1) }, .equal, 1)
            }
        }
        // Per host: capacity, deviation, headroom, memory balance.
        var termsByHost: [Int: (d: LinearProgram.Variable?, o: LinearProgram.Variable?, m: LinearProgram.Variable?,
                                fixedLoad: Double, fixedMemory: Double)] = [:]
        for h in 0..<p.hostCount where p.isTarget[h] && freeHost[h] {
            let here = columns.filter { $0.h == h }
            lp.addConstraint(here.map { .init($0.x, p.reservation[$0.v]) }, .lessOrEqual, p.cpuCapacity[h] - fixedRes[h])
            lp.addConstraint(here.map { .init($0.x, p.memory[$0.v]) }, .lessOrEqual, p.memoryCapacity[h] - fixedConf[h])
            let loadTerms = here.map { LinearProgram.Term($0.x, p.demand[$0.v]) }
            var terms: (d: LinearProgram.Variable?, o: LinearProgram.Variable?, m: LinearProgram.Variable?,
                        fixedLoad: Double, fixedMemory: Double) = (nil, nil, nil, fixedLoad[h], fixedMem[h])
            defer { termsByHost[h] = terms }
            if p.balanceWeight > 0 {
                let d = lp.addVariable(lower: 0)
                terms.d = d
                objective.append(.init(d, p.balanceWeight))
                let target = p.targetLoad * p.cpuCapacity[h] - fixedLoad[h]
                lp.addConstraint([.init(d, 1)] + loadTerms.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, -target)
                lp.addConstraint([.init(d, 1)] + loadTerms, .greaterOrEqual, target)
            }
            if p.overWeight > 0 {
                let o = lp.addVariable(lower: 0)
                terms.o = o
                objective.append(.init(o, p.overWeight))
                lp.addConstraint([.init(o, 1)] + loadTerms.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual,
                                 fixedLoad[h] - (1 - p.headroom) * p.cpuCapacity[h])
            }
            if p.memoryWeight > 0 {
                let m = lp.addVariable(lower: 0)
                terms.m = m
                objective.append(.init(m, p.memoryWeight * p.memoryScale))
                let memTerms = here.map { LinearProgram.Term($0.x, p.activeMemory[$0.v]) }
                let target = p.targetMemory * p.hostMemory[h] - fixedMem[h]
                lp.addConstraint([.init(m, 1)] + memTerms.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, -target)
                lp.addConstraint([.init(m, 1)] + memTerms, .greaterOrEqual, target)
            }
        }
        // x[v,h] as a term, or a constant when fixed.
        func at(_ v: Int, _ h: Int) -> (LinearProgram.Variable?, Double) {
            if let x = xs[v][h] { return (x, 0) }
            return (nil, candidates[v] == [h] ? 1 : 0)
        }
        // Rules.
        for rule in p.hardRules + p.softRules where neighbourhood == nil || rule.vms.contains(where: { free[$0] }) {
            let soft = !rule.policy.isHard
            switch rule.kind {
            case .vmAntiAffinity:
                for h in 0..<p.hostCount where p.isTarget[h] {
                    var terms: [LinearProgram.Term] = []
                    var fixed = 0.0
                    for v in rule.vms { let (x, c) = at(v, h); if let x { terms.append(.init(x, 1)) } else { fixed += c } }
                    if soft {
                        guard p.shouldPenalty > 0 else { continue }
                        let pen = lp.addVariable(lower: 0)
                        objective.append(.init(pen, p.shouldPenalty))
                        lp.addConstraint([.init(pen, 1)] + terms.map { .init($0.variable, -1) }, .greaterOrEqual, fixed - 1)
                    } else if !terms.isEmpty {
                        lp.addConstraint(terms, .lessOrEqual, 1 - fixed)
                    }
                }
            case .vmAffinity:
                let first = rule.vms[0]
                for v in rule.vms.dropFirst() {
                    for h in 0..<p.hostCount where p.isTarget[h] {
                        let (xf, cf) = at(first, h), (xv, cv) = at(v, h)
                        var terms: [LinearProgram.Term] = []
                        if let xf { terms.append(.init(xf, 1)) }
                        if let xv { terms.append(.init(xv, -1)) }
                        if soft {
                            guard p.shouldPenalty > 0 else { continue }
                            let q = lp.addVariable(lower: 0)
                            objective.append(.init(q, p.shouldPenalty))
                            lp.addConstraint([.init(q, 1)] + terms.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, cf - cv)
                        } else {
                            lp.addConstraint(terms, .equal, cv - cf)
                        }
                    }
                }
            case .vmHost:
                guard soft, p.shouldPenalty > 0 else { continue }  // hard ones are in `allowed`
                let group = p.groupHosts[rule.hostGroup ?? ""] ?? []
                for v in rule.vms {
                    for h in 0..<p.hostCount where p.isTarget[h] && (group.contains(h) == rule.policy.isNegative) {
                        let (x, c) = at(v, h)
                        if let x { objective.append(.init(x, p.shouldPenalty)) } else { constant += c * p.shouldPenalty }
                    }
                }
            case .vmSpread:
                // y[d] ≤ members in fault domain d (y ∈ [0, 1] suffices: x is integral), Σ y ≥ minimum.
                if soft && p.shouldPenalty <= 0 { continue }
                var byDomain: [Int: (terms: [LinearProgram.Term], fixed: Double)] = [:]
                for h in 0..<p.hostCount {
                    let d = p.faultDomainOf[h]
                    for v in rule.vms {
                        let (x, c) = at(v, h)
                        if let x { byDomain[d, default: ([], 0)].terms.append(.init(x, 1)) } else if c > 0 { byDomain[d, default: ([], 0)].fixed += c }
                    }
                }
                var ys: [LinearProgram.Term] = []
                for (_, entry) in byDomain.sorted(by: { $0.key < $1.key }) {
                    if entry.fixed > 0 { ys.append(.init(lp.addVariable(lower: 1, upper: 1), 1)); continue }
                    let y = lp.addVariable(lower: 0, upper: 1)
                    lp.addConstraint([.init(y, 1)] + entry.terms.map { .init($0.variable, -1) }, .lessOrEqual, 0)
                    ys.append(.init(y, 1))
                }
                let need = Double(rule.minFaultDomains ?? 0)
                if soft {
                    let q = lp.addVariable(lower: 0)
                    objective.append(.init(q, p.shouldPenalty))
                    lp.addConstraint([.init(q, 1)] + ys, .greaterOrEqual, need)
                } else {
                    lp.addConstraint(ys, .greaterOrEqual, min(need, Double(byDomain.count)))
                }
            }
        }
        // Move caps (evacuations do not count); a VM with one possible host elsewhere is a
        // forced move and uses cap room as a constant.
        let counted = columns.filter { p.counted($0.v) && $0.h != p.home[$0.v] }
        var forcedTotal = 0
        var forcedOnHost = [Int](repeating: 0, count: p.hostCount)
        for v in 0..<p.vmCount where candidates[v].count == 1 && candidates[v][0] != p.home[v] && p.counted(v) {
            forcedTotal += 1
            forcedOnHost[p.home[v]] += 1
            forcedOnHost[candidates[v][0]] += 1
        }
        if p.maxMoves > 0 && !counted.isEmpty {
            lp.addConstraint(counted.map { .init($0.x, 1) }, .lessOrEqual, Double(p.maxMoves - forcedTotal))
        }
        if p.maxMovesPerHost > 0 {
            for h in 0..<p.hostCount {
                let touching = counted.filter { $0.h == h || p.home[$0.v] == h }
                if touching.count + forcedOnHost[h] > p.maxMovesPerHost && !touching.isEmpty {
                    lp.addConstraint(touching.map { .init($0.x, 1) }, .lessOrEqual, Double(p.maxMovesPerHost - forcedOnHost[h]))
                }
            }
        }
        // Evacuated hosts' VMs that ended up fixed elsewhere pay their move; constant part of the
        // objective beyond: deviation of hosts with no free column is inside the d variables.
        lp.setObjective(objective, constant: constant)
        program = lp
        candidateHosts = candidates
        hostTerms = neighbourhood == nil ? termsByHost : [:]
    }

    /// Adds the separable relaxation's parts (``SeparableAnswer``) as cuts, valid for every
    /// placement with whole VMs: for each part's host, what leaving its VMs costs plus twice its
    /// weighted CPU and memory excess at the end plus its headroom overload is at least the part's
    /// bound; and the deviations sum to at least twice those excesses (over the target hosts the
    /// deviations from the balanced levels sum to zero). The LP relaxation is then at least both
    /// the full model's and the separable bound. Full models only (a neighbourhood's model is left
    /// as it is).
    mutating func addSeparableCuts(_ parts: [SeparableAnswer.Part]) {
        let p = problem
        guard !parts.isEmpty, hostTerms.count == p.isTarget.filter({ $0 }).count else { return }
        var column: [Int: LinearProgram.Variable] = [:]
        var here = [[LinearProgram.Term]](repeating: [], count: p.hostCount), hereMemory = here
        for c in columns {
            column[c.v * p.hostCount + c.h] = c.x
            here[c.h].append(.init(c.x, p.demand[c.v]))
            hereMemory[c.h].append(.init(c.x, p.activeMemory[c.v] * p.memoryScale))
        }
        var excesses: [LinearProgram.Term] = [], memoryExcesses: [LinearProgram.Term] = []
        var excess: [Int: LinearProgram.Variable] = [:], memoryExcess: [Int: LinearProgram.Variable] = [:]
        // e ≥ what `h` holds beyond `level` (one variable per host, however many parts name it).
        func excessOf(_ h: Int, _ cache: inout [Int: LinearProgram.Variable], _ holds: [LinearProgram.Term], above level: Double,
                      _ all: inout [LinearProgram.Term]) -> LinearProgram.Variable {
            if let known = cache[h] { return known }
            let e = program.addVariable(lower: 0)
            cache[h] = e
            program.addConstraint([.init(e, 1)] + holds.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, -level)
            all.append(.init(e, -2))
            return e
        }
        for part in parts {
            guard let t = hostTerms[part.host] else { continue }
            let h = part.host
            var cut: [LinearProgram.Term] = []
            var constant = 0.0
            for v in part.vms {
                if let x = column[v * p.hostCount + h] {
                    cut.append(.init(x, -p.moveCost[v]))
                    constant += p.moveCost[v]
                } else if candidateHosts[v] != [h] {
                    constant += p.moveCost[v]
                }
            }
            if t.d != nil {
                let e = excessOf(h, &excess, here[h], above: p.targetLoad * p.cpuCapacity[h] - t.fixedLoad, &excesses)
                cut.append(.init(e, 2 * p.balanceWeight))
            }
            if let o = t.o { cut.append(.init(o, p.overWeight)) }
            if t.m != nil {
                let e = excessOf(h, &memoryExcess, hereMemory[h],
                                 above: (p.targetMemory * p.hostMemory[h] - t.fixedMemory) * p.memoryScale, &memoryExcesses)
                cut.append(.init(e, 2 * p.memoryWeight))
            }
            program.addConstraint(cut, .greaterOrEqual, part.bound - constant)
        }
        let deviations = hostTerms.keys.sorted().compactMap { hostTerms[$0]!.d }
        if !excesses.isEmpty { program.addConstraint(deviations.map { .init($0, 1) } + excesses, .greaterOrEqual, 0) }
        let memoryDeviations = hostTerms.keys.sorted().compactMap { hostTerms[$0]!.m }
        if !memoryExcesses.isEmpty {
            program.addConstraint(memoryDeviations.map { .init($0, p.memoryScale) } + memoryExcesses, .greaterOrEqual, 0)
        }
    }

    /// Turns the model into a relaxation of the target-imbalance problem (``PlanOptions/targetImbalance``):
    /// the fewest pre-copy MiB (`bytes` per VM) over the placements whose CPU imbalance σ — of
    /// x_h = load_h / capacity_h over the n connected hosts — is at most `target`. σ is not linear,
    /// so the rows are what σ ≤ t implies: with x̄ the mean of the x_h, Σ_h q_h ≤ n·t² where each q_h
    /// lies above tangents of (x_h − x̄)² (an outer approximation of the square), Σ_h |x_h − x̄| ≤ n·t
    /// (Cauchy–Schwarz) and each |x_h − x̄| ≤ t·√n. Every plan within the target satisfies them,
    /// so the optimum (and the LP's) is a lower bound on the bytes any such plan copies. The
    /// weighted objective's variables stay, at no cost. Full models only.
    mutating func relaxImbalanceTarget(_ target: Double, bytes: [Double]) {
        let p = problem
        var objective: [LinearProgram.Term] = []
        var constant = 0.0
        for c in columns where c.h != p.home[c.v] { objective.append(.init(c.x, bytes[c.v])) }
        var fixedLoad = [Double](repeating: 0, count: p.hostCount)
        for v in 0..<p.vmCount where candidateHosts[v].count == 1 {
            let h = candidateHosts[v][0]
            fixedLoad[h] += p.demand[v]
            if h != p.home[v] { constant += bytes[v] }
        }
        program.setObjective(objective, constant: constant)
        let counted = p.imbalanceHosts
        let hosts = (0..<p.hostCount).filter { counted[$0] }
        guard !hosts.isEmpty else { return }
        let n = Double(hosts.count)
        var normalized = [[LinearProgram.Term]](repeating: [], count: p.hostCount)
        for c in columns { normalized[c.h].append(.init(c.x, p.demand[c.v] / p.cpuCapacity[c.h])) }
        // n·x̄ = Σ_h x_h
        let mean = program.addVariable(lower: 0)
        var meanRow: [LinearProgram.Term] = [.init(mean, n)]
        var fixedSum = 0.0
        for h in hosts {
            meanRow += normalized[h].map { .init($0.variable, -$0.coefficient) }
            fixedSum += fixedLoad[h] / p.cpuCapacity[h]
        }
        program.addConstraint(meanRow, .equal, fixedSum)
        var spread: [LinearProgram.Term] = [], squares: [LinearProgram.Term] = []
        // Tangents of the square at these deviations (both signs): q ≥ 2z·(x_h − x̄) − z².
        let widest = target * n.squareRoot()
        let tangents = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 8].map { $0 * target }.filter { $0 < widest } + [widest]
        for h in hosts {
            let e = program.addVariable(lower: 0, upper: widest)
            let q = program.addVariable(lower: 0)
            let fixed = fixedLoad[h] / p.cpuCapacity[h]
            // x_h − x̄ as terms and a constant
            let deviation: [LinearProgram.Term] = normalized[h] + [.init(mean, -1)]
            // e ≥ |x_h − x̄|
            program.addConstraint([.init(e, 1)] + deviation.map { .init($0.variable, -$0.coefficient) }, .greaterOrEqual, fixed)
            program.addConstraint([.init(e, 1)] + deviation, .greaterOrEqual, -fixed)
            for z in tangents {
                for sign in [1.0, -1.0] {
                    let slope = 2 * sign * z
                    // q − slope·(x_h − x̄) ≥ slope·fixed − z²
                    program.addConstraint([.init(q, 1)] + deviation.map { .init($0.variable, -slope * $0.coefficient) }, .greaterOrEqual,
                                          slope * fixed - z * z)
                }
            }
            spread.append(.init(e, 1))
            squares.append(.init(q, 1))
        }
        program.addConstraint(spread, .lessOrEqual, n * target)
        program.addConstraint(squares, .lessOrEqual, n * target * target)
    }

    /// Moves `g` toward a solution's assignments of ½ or more (the surest first, three passes, each
    /// move only where `g` allows it), for the VMs `only` accepts; back home undoes a move and its
    /// reason, a new move is for balance. The LP-guided starts.
    func moveToward(_ r: LPSolution, _ g: inout PlacementState, reasons: inout [Int: MoveReason], only: (Int) -> Bool = { _ in true }) {
        let wanted = columns.filter { r.value($0.x) >= 0.5 && only($0.v) }
            .sorted { (r.value($0.x), $1.v) > (r.value($1.x), $0.v) }
        for _ in 0..<3 {
            for c in wanted where g.host[c.v] != c.h && g.canMove(c.v, to: c.h) {
                g.move(c.v, to: c.h)
                reasons[c.v] = c.h == problem.home[c.v] ? nil : reasons[c.v] ?? .balance
            }
        }
    }

    /// The assignment of a solution: host per VM.
    func placement(_ s: LPSolution) -> [Int] {
        var host = problem.home
        for v in 0..<problem.vmCount where candidateHosts[v].count == 1 { host[v] = candidateHosts[v][0] }
        for col in columns where s.value(col.x) > 0.5 { host[col.v] = col.h }
        return host
    }
}
