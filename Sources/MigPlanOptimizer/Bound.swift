import Dispatch
import MigPlanLP

/// Proven lower bounds on the objective, from LP relaxations solved by lp_solve.
enum LowerBound {
    /// A relaxation that decomposes by host. At the end, Σ over target hosts of (load − T·C) is 0,
    /// so the L1 deviation is twice the total excess, and a host's final excess is at least its
    /// excess now minus what leaves it; the same holds for active memory and for load above the
    /// headroom target. What leaves a host costs at least the fractional knapsack of its
    /// movable VMs. Each host is then an independent LP over the fractions of its VMs that leave
    /// (solved in parallel); evacuations add their forced costs. Caps on moves per host are kept,
    /// and with them the deficit side counts too: the L1 deviation is also twice the total
    /// deficit, and a host below its level can take in only a few VMs (`deficitFloors`), and only
    /// VMs that leave somewhere (``Transport``: classes of leaving VMs sent to the hosts, every
    /// move touching two hosts' caps), so the total excess term is at least the deficit left; this,
    /// like a plan-wide cap, couples the hosts into one LP.
    static func separable(_ p: PlacementProblem, deadline: Double) -> Double? {
        separableShares(p, deadline: deadline)?.value
    }

    /// ``separable(_:deadline:)`` with its optimum: the share of each VM that leaves its home host
    /// (0 for VMs outside the relaxation). Without move caps the hosts' parts are solved with whole
    /// VMs (``HostPart``) and every share is 0 or 1 (`whole`); the parts come back for
    /// ``ExactModel/addSeparableCuts(_:)``.
    static func separableShares(_ p: PlacementProblem, deadline: Double) -> SeparableAnswer? {
        var forced = 0.0
        var onHost = [[Int]](repeating: [], count: p.hostCount)
        for v in 0..<p.vmCount {
            if p.evacuated[p.home[v]] { forced += p.moveCost[v]; continue }
            if p.movable[v] && !p.allowed[v].isEmpty { onHost[p.home[v]].append(v) }
        }
        // Everything a relaxation of the final state needs per target host.
        struct HostLP { var host: Int; var excess: Double; var over: Double; var memExcess: Double; var vms: [Int] }
        var hosts: [HostLP] = []
        var load = [Double](repeating: 0, count: p.hostCount), mem = load
        for v in 0..<p.vmCount { load[p.home[v]] += p.demand[v]; mem[p.home[v]] += p.activeMemory[v] }
        for h in 0..<p.hostCount where p.isTarget[h] {
            let e = load[h] - p.targetLoad * p.cpuCapacity[h]
            let o = load[h] - (1 - p.headroom) * p.cpuCapacity[h]
            let m = (mem[h] - p.targetMemory * p.hostMemory[h]) * p.memoryScale
            if (e > 0 && p.balanceWeight > 0) || (o > 0 && p.overWeight > 0) || (m > 0 && p.memoryWeight > 0) {
                hosts.append(HostLP(host: h, excess: max(0, e), over: max(0, o), memExcess: max(0, m), vms: onHost[h]))
            }
        }
        let scaledMemory = p.activeMemory.map { $0 * p.memoryScale }
        // `floors`: lower bounds on the total CPU and memory excess left (from the deficit side);
        // with them the hosts' excess terms are summed before weighting, so the LP couples them.
        func build(_ parts: [HostLP], planCap: Int?, floors: (cpu: Double, memory: Double)? = nil) -> (program: LinearProgram, shares: [(vm: Int, x: LinearProgram.Variable)]) {
            var lp = LinearProgram()
            var shares: [(vm: Int, x: LinearProgram.Variable)] = []
            var objective: [LinearProgram.Term] = []
            var everyMove: [LinearProgram.Term] = []
            var totals: [[LinearProgram.Term]] = [[], []]
            var z: [[LinearProgram.Variable]] = []
            for part in parts {
                var row: [LinearProgram.Variable] = []
                for v in part.vms {
                    let x = lp.addVariable(lower: 0, upper: 1)
                    row.append(x)
                    shares.append((v, x))
                    objective.append(.init(x, p.moveCost[v]))
                    everyMove.append(.init(x, 1))
                }
                z.append(row)
            }
            // With per-host caps, the moves themselves: every counted VM may leave (those of hosts
            // below their level too: a chain of moves can fill one deficit through another host), and
            // the VMs arriving at a host come from classes of the VMs that leave.
            let flows = floors != nil ? Transport(p, &lp, shares: shares, objective: &objective, everyMove: &everyMove,
                                                  scaledMemory: scaledMemory) : nil
            for (k, part) in parts.enumerated() {
                // s ≥ excess − Σ demand·z (+ what arrives, at its class's least size), and the same for
                // headroom and memory. With floors, the CPU (total 0) and memory (total 1) slacks are
                // summed into their totals instead.
                for (total, weight, amount, size) in [(0, 2 * p.balanceWeight, part.excess, p.demand),
                                                      (nil, p.overWeight, part.over, p.demand),
                                                      (1, 2 * p.memoryWeight, part.memExcess, scaledMemory)]
                where weight > 0 && amount > 0 {
                    let slack = lp.addVariable(lower: 0)
                    if floors != nil, let total { totals[total].append(.init(slack, 1)) } else { objective.append(.init(slack, weight)) }
                    let arriving = flows?.arriving(at: part.host, memory: total == 1, largest: false) ?? []
                    lp.addConstraint([.init(slack, 1)] + zip(z[k], part.vms).map { .init($0, size[$1]) } + arriving.map { .init($0.variable, -$0.coefficient) },
                                     .greaterOrEqual, amount)
                }
            }
            if let floors {
                // t ≥ Σ slacks and t ≥ floor: the total excess left, which the total deficit left equals;
                // and t ≥ the deficit the moves leave.
                for (total, weight, floor) in [(0, 2 * p.balanceWeight, floors.cpu), (1, 2 * p.memoryWeight, floors.memory)] where weight > 0 {
                    let t = lp.addVariable(lower: max(0, floor))
                    objective.append(.init(t, weight))
                    if !totals[total].isEmpty { lp.addConstraint([.init(t, 1)] + totals[total].map { .init($0.variable, -1) }, .greaterOrEqual, 0) }
                    if let flows {
                        let left = flows.deficitsLeft(&lp, memory: total == 1, load: total == 1 ? mem : load)
                        if !left.isEmpty { lp.addConstraint([.init(t, 1)] + left.map { .init($0, -1) }, .greaterOrEqual, 0) }
                    }
                }
                flows?.capHosts(&lp)
            }
            if let cap = planCap, !everyMove.isEmpty { lp.addConstraint(everyMove, .lessOrEqual, Double(cap)) }
            lp.setObjective(objective)
            return (lp, shares)
        }
        let remaining = max(0.05, deadline - monotonicSeconds())
        let floors = p.maxMovesPerHost > 0 ? deficitFloors(p, load: load, memory: mem) : nil
        var leaving = [Double](repeating: 0, count: p.vmCount)
        if p.maxMoves > 0 || floors != nil {
            let (program, shares) = build(hosts, planCap: p.maxMoves > 0 ? p.maxMoves : nil, floors: floors)
            let s = program.solve(SolveOptions(timeLimit: remaining))
            guard s.status == .optimal, let value = s.objective else { return nil }
            for (v, x) in shares { leaving[v] = s.value(x) }
            return SeparableAnswer(value: forced + value, leaving: leaving, whole: false)
        }
        // Independent per host, with whole VMs: solve them in parallel, one lp_solve instance each.
        let parts: [HostPart] = hosts.map { part in
            HostPart(cost: part.vms.map { p.moveCost[$0] },
                     rows: [(2 * p.balanceWeight, part.excess, p.demand), (p.overWeight, part.over, p.demand),
                            (2 * p.memoryWeight, part.memExcess, scaledMemory)]
                        .filter { $0.0 > 0 && $0.1 > 0 }
                        .map { row in HostPart.Row(weight: row.0, amount: row.1, size: part.vms.map { row.2[$0] }) })
        }
        let solved = concurrentMap(parts.count) { parts[$0].solve(deadline: deadline) }
        var bounds: [SeparableAnswer.Part] = []
        for (k, r) in solved.enumerated() {
            guard let r else { return nil }
            bounds.append(.init(host: hosts[k].host, bound: r.bound, vms: hosts[k].vms))
            for (i, v) in hosts[k].vms.enumerated() where r.leaves[i] { leaving[v] = 1 }
        }
        return SeparableAnswer(value: forced + bounds.reduce(0) { $0 + $1.bound }, leaving: leaving, whole: true, parts: bounds)
    }
}

/// The separable relaxation's answer: its value (a lower bound), the share of each VM that leaves
/// its home host, whether the shares are whole VMs, and (without caps) each host's part: the VMs
/// that may leave it and the least its part can cost.
struct SeparableAnswer {
    /// A host's part: `bound` is at most what leaving costs for its `vms` plus its weighted excess
    /// terms (CPU and memory doubled, headroom overload), in every placement with whole VMs.
    struct Part {
        var host: Int
        var bound: Double
        var vms: [Int]
    }
    var value: Double
    var leaving: [Double]
    var whole: Bool
    var parts: [Part] = []
}

/// One host's part of the separable relaxation without move caps: which of its VMs leave (`z`, at
/// their copying costs), against weighted slacks `s ≥ amount − Σ size·z` (the CPU, headroom and
/// memory excess the host keeps). In every plan VMs leave whole, so the part's integer optimum
/// bounds the plan too, and above its LP (a host sheds its excess with whole VMs, not with a share
/// of one: 16 × 400 without caps 99,745 → 100,396, 64 × 4,000 442,447 → 443,454). Solved as: the
/// LP with its duals; a whole-VM answer from its shares, rounded and improved by flips and
/// exchanges; every VM whose reduced cost alone would lift the LP above that answer fixed where the
/// LP has it (about 80 % of them); then lp_solve's branch and bound over the rest for an answer
/// that beats it, with a deterministic work limit. Unproven, the part's bound is its LP value.
struct HostPart: Sendable {
    struct Row: Sendable { var weight: Double; var amount: Double; var size: [Double] }
    /// Per VM of the host, its copying cost.
    var cost: [Double]
    var rows: [Row]
    /// Work per branch and bound (lp_solve progress callbacks): 96 × 10,000 proves 62 of its 70
    /// parts in 0.22 s of the plan's ≈ 1.1 s (all 70 need 0.4–1.2 s); smaller clusters prove all.
    static let workLimit = 20_000

    /// The part's cost with these VMs leaving.
    func value(_ leaves: [Bool]) -> Double {
        var total = 0.0
        for i in cost.indices where leaves[i] { total += cost[i] }
        for row in rows {
            var shed = 0.0
            for i in cost.indices where leaves[i] { shed += row.size[i] }
            total += row.weight * max(0, row.amount - shed)
        }
        return total
    }

    /// `nil` when the LP was not solved; otherwise a proven bound on the part (its whole-VM
    /// optimum, or its LP value if branch and bound did not finish) and the best whole-VM answer found.
    func solve(deadline: Double) -> (bound: Double, leaves: [Bool], proven: Bool)? {
        let time = { max(0.05, deadline - monotonicSeconds()) }
        let none = [Bool?](repeating: nil, count: cost.count)
        var options = SolveOptions(timeLimit: time())
        options.duals = true
        let (program, x, _) = self.program(fixed: none)
        let lp = program.relaxation.solve(options)
        guard lp.status == .optimal, let lpValue = lp.objective else { return nil }
        let shares = x.map { lp.value($0!) }
        let up = shares.map { $0 > 1e-9 }, down = shares.map { $0 > 1 - 1e-9 }
        var (incumbent, best) = value(up) <= value(down) ? (value(up), up) : (value(down), down)
        improve(&best, &incumbent)
        // Reduced costs c − Σ μ·size from the rows' duals μ (clamped to [0, weight]; any such μ gives
        // the Lagrangian bound Σ μ·amount + Σ min(0, reduced cost), used only where it equals the
        // LP's value). Forcing a VM against its sign adds its |reduced cost| to that bound.
        var fixed = none
        if let duals = lp.duals, duals.count == rows.count {
            let mu = zip(duals, rows).map { min(max(0, abs($0)), $1.weight) }
            let reduced = cost.indices.map { i in cost[i] - zip(mu, rows).reduce(0) { $0 + $1.0 * $1.1.size[i] } }
            let lagrangian = zip(mu, rows).reduce(0) { $0 + $1.0 * $1.1.amount } + reduced.reduce(0) { $0 + min(0, $1) }
            if abs(lagrangian - lpValue) <= 1e-7 * max(1, abs(lpValue)) {
                let room = incumbent - lagrangian + 1e-9 * max(1, incumbent)
                for i in cost.indices where abs(reduced[i]) > room { fixed[i] = reduced[i] < 0 }
            }
        }
        let (rest, y, constant) = self.program(fixed: fixed)
        if y.allSatisfy({ $0 == nil }) {
            let leaves = fixed.map { $0! }
            return (max(lpValue, min(incumbent, value(leaves))), value(leaves) < incumbent ? leaves : best, true)
        }
        // Only answers that beat the incumbent by the proof margin: none (infeasible) proves it;
        // fixing kept every such answer.
        // The margin stays well above lp_solve's tolerances (10⁻⁷ let a tolerance-wide point through).
        let milp = SolveOptions(timeLimit: time(), workLimit: Self.workLimit)
        let margin = 1e-6 * max(1, abs(incumbent))
        var beat = rest
        beat.addConstraint(beat.objective, .lessOrEqual, incumbent - margin - constant)
        let s = beat.solve(milp)
        if s.status == .infeasible { return (max(lpValue, incumbent - margin), best, true) }
        guard s.status == .optimal, let b = s.bound, s.hasSolution else { return (lpValue, best, false) }
        let leaves = cost.indices.map { i in fixed[i] ?? (s.value(y[i]!) > 0.5) }
        return (max(lpValue, min(b + constant, incumbent)), value(leaves) < incumbent ? leaves : best, true)
    }

    /// The part as a MILP over the VMs not `fixed` (fixed ones leave if `true`); their copying cost
    /// is the constant returned.
    private func program(fixed: [Bool?]) -> (LinearProgram, [LinearProgram.Variable?], Double) {
        var lp = LinearProgram()
        var objective: [LinearProgram.Term] = []
        var x: [LinearProgram.Variable?] = []
        var constant = 0.0
        for i in cost.indices {
            if let f = fixed[i] {
                x.append(nil)
                if f { constant += cost[i] }
                continue
            }
            let z = lp.addBinary()
            x.append(z)
            objective.append(.init(z, cost[i]))
        }
        for row in rows {
            let slack = lp.addVariable(lower: 0)
            objective.append(.init(slack, row.weight))
            var terms: [LinearProgram.Term] = [.init(slack, 1)]
            var shed = 0.0
            for i in cost.indices {
                if let z = x[i] { terms.append(.init(z, row.size[i])) } else if fixed[i] == true { shed += row.size[i] }
            }
            lp.addConstraint(terms, .greaterOrEqual, row.amount - shed)
        }
        lp.setObjective(objective)
        return (lp, x, constant)
    }

    /// Single flips (a VM leaves or stays) and exchanges (one stays instead of another), the best
    /// first, while they lower the value.
    func improve(_ leaves: inout [Bool], _ current: inout Double) {
        var shed = rows.map { row in cost.indices.reduce(0.0) { leaves[$1] ? $0 + row.size[$1] : $0 } }
        var copying = cost.indices.reduce(0.0) { leaves[$1] ? $0 + cost[$1] : $0 }
        func evaluate(_ delta: (Int) -> Double, _ copy: Double) -> Double {
            var total = copy
            for k in rows.indices { total += rows[k].weight * max(0, rows[k].amount - shed[k] - delta(k)) }
            return total
        }
        for _ in 0..<(4 * cost.count) {
            var bestValue = current - 1e-9 * max(1, current), move: (Int, Int?)? = nil
            for i in cost.indices {
                let sign = leaves[i] ? -1.0 : 1.0
                let v = evaluate({ sign * rows[$0].size[i] }, copying + sign * cost[i])
                if v < bestValue { bestValue = v; move = (i, nil) }
                guard leaves[i] else { continue }
                for j in cost.indices where !leaves[j] {
                    let v = evaluate({ rows[$0].size[j] - rows[$0].size[i] }, copying - cost[i] + cost[j])
                    if v < bestValue { bestValue = v; move = (i, j) }
                }
            }
            guard let (i, j) = move else { return }
            for k in rows.indices {
                shed[k] += (leaves[i] ? -1 : 1) * rows[k].size[i] + (j.map { rows[k].size[$0] } ?? 0)
            }
            copying += (leaves[i] ? -1 : 1) * cost[i] + (j.map { cost[$0] } ?? 0)
            leaves[i].toggle()
            if let j { leaves[j] = true }
            current = value(leaves)
        }
    }
}

extension LowerBound {
    /// With per-host move caps, a host below its balanced level can receive at most `cap` VMs
    /// (and any VMs leaving cap-exempt hosts): the deficit it keeps is at least its deficit minus
    /// the largest demands it could take in. Summed over hosts, for CPU and for active memory
    /// (scaled as in the objective). VMs leaving a host only deepen its deficit, so they are
    /// ignored: a lower bound.
    static func deficitFloors(_ p: PlacementProblem, load: [Double], memory: [Double]) -> (cpu: Double, memory: Double) {
        let k = p.maxMovesPerHost
        var cpu = 0.0, mem = 0.0
        for h in 0..<p.hostCount where p.isTarget[h] {
            let cpuDeficit = p.targetLoad * p.cpuCapacity[h] - load[h]
            let memDeficit = (p.targetMemory * p.hostMemory[h] - memory[h]) * p.memoryScale
            guard cpuDeficit > 0 || memDeficit > 0 else { continue }
            // The k largest demands (and memories) among counted VMs that may move here; every
            // uncounted one that may.
            var topCPU: [Double] = [], topMem: [Double] = []
            var exemptCPU = 0.0, exemptMem = 0.0
            for v in 0..<p.vmCount where p.home[v] != h && p.movable[v] && p.allowedSet[v].contains(h) {
                if !p.counted(v) {
                    exemptCPU += p.demand[v]; exemptMem += p.activeMemory[v] * p.memoryScale
                    continue
                }
                insertTop(&topCPU, p.demand[v], k)
                insertTop(&topMem, p.activeMemory[v] * p.memoryScale, k)
            }
            cpu += max(0, cpuDeficit - exemptCPU - topCPU.reduce(0, +))
            mem += max(0, memDeficit - exemptMem - topMem.reduce(0, +))
        }
        return (cpu, mem)
    }

    /// Keeps the `k` largest values seen, in descending order.
    private static func insertTop(_ top: inout [Double], _ x: Double, _ k: Int) {
        guard k > 0, top.count < k || x > top[top.count - 1] else { return }
        let at = top.firstIndex { $0 < x } ?? top.count
        top.insert(x, at: at)
        if top.count > k { top.removeLast() }
    }
}

/// `body(i)` for every `i` in `0..<count`, spread over all cores; results in order. Each call
/// must touch only what is its own (one lp_solve instance, one search engine).
func concurrentMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    var out = [T?](repeating: nil, count: count)
    out.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let slots = buffer.baseAddress!
        nonisolated(unsafe) let run = body
        DispatchQueue.concurrentPerform(iterations: count) { i in slots[i] = run(i) }
    }
    return out.map { $0! }
}

/// The moves of a capped relaxation, aggregated: every counted VM that may move may leave (those
/// of hosts above their level one by one, with their shares; the others by host and class, at
/// their group's least cost and sizes), and what arrives at each host comes from classes of those
/// VMs (by CPU demand, each class within `ratio` of its largest), at most `maxMovesPerHost` moves
/// touching any host. A class sends no more VMs than leave from it; an arrival counts at its
/// class's largest size where it fills a deficit and at its least where it adds to an excess, so
/// the LP stays a relaxation. A VM that leaves deepens its host's deficit by its size (a chain of
/// moves can fill one deficit through another host).
struct Transport {
    struct Class { var supply: [LinearProgram.Term] = []; var cpu: (least: Double, most: Double); var memory: (least: Double, most: Double) }
    let p: PlacementProblem
    let scaledMemory: [Double]
    var classes: [Class] = []
    /// Per host, its arrivals: (class, variable).
    var arrivals: [[(c: Int, y: LinearProgram.Variable)]]
    /// Per host, what may leave it: a variable (a share, or a count of a group) and its CPU and memory per unit.
    var departures: [[(x: LinearProgram.Variable, cpu: Double, memory: Double, count: Double)]]
    /// Per host, the CPU and (scaled) memory that moves outside the transport could bring: evacuations,
    /// and the (counted) VMs of hosts being powered off.
    var exempt: (cpu: [Double], memory: [Double])

    init(_ p: PlacementProblem, _ lp: inout LinearProgram, shares: [(vm: Int, x: LinearProgram.Variable)],
         objective: inout [LinearProgram.Term], everyMove: inout [LinearProgram.Term], scaledMemory: [Double], ratio: Double = 1.1) {
        self.p = p
        self.scaledMemory = scaledMemory
        arrivals = .init(repeating: [], count: p.hostCount)
        departures = .init(repeating: [], count: p.hostCount)
        exempt = (.init(repeating: 0, count: p.hostCount), .init(repeating: 0, count: p.hostCount))
        for v in 0..<p.vmCount where (!p.counted(v) || !p.isTarget[p.home[v]]) && p.movable[v] {
            for h in p.allowed[v] where h != p.home[v] {
                exempt.cpu[h] += p.demand[v]
                exempt.memory[h] += scaledMemory[v]
            }
        }
        var share = [LinearProgram.Variable?](repeating: nil, count: p.vmCount)
        for (v, x) in shares { share[v] = x }
        let movers = (0..<p.vmCount).filter { v in
            share[v] != nil || (p.isTarget[p.home[v]] && p.movable[v] && !p.allowed[v].isEmpty && p.counted(v))
        }.sorted { (p.demand[$0], $1) > (p.demand[$1], $0) }
        // Classes by CPU demand.
        var classOf = [Int](repeating: -1, count: p.vmCount)
        var members: [[Int]] = []
        for v in movers {
            if let first = members.last?.first, p.demand[v] * ratio >= p.demand[first] { members[members.count - 1].append(v) } else { members.append([v]) }
            classOf[v] = members.count - 1
        }
        classes = members.map { m in
            let memories = m.map { scaledMemory[$0] }
            return Class(cpu: (p.demand[m.last!], p.demand[m.first!]), memory: (memories.min()!, memories.max()!))
        }
        // Departures: shares one by one; the rest grouped by home host and class.
        var groups: [[Int]: [Int]] = [:]
        for v in movers {
            if let x = share[v] {
                departures[p.home[v]].append((x, p.demand[v], scaledMemory[v], 1))
                classes[classOf[v]].supply.append(.init(x, -1))
            } else {
                groups[[p.home[v], classOf[v]], default: []].append(v)
            }
        }
        for key in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let group = groups[key]!
            let w = lp.addVariable(lower: 0, upper: Double(group.count))
            objective.append(.init(w, group.map { p.moveCost[$0] }.min()!))
            everyMove.append(.init(w, 1))
            departures[key[0]].append((w, group.map { p.demand[$0] }.min()!, group.map { scaledMemory[$0] }.min()!, Double(group.count)))
            classes[key[1]].supply.append(.init(w, -1))
        }
        for c in classes.indices {
            var hosts = Set<Int>()
            for v in members[c] { hosts.formUnion(p.allowed[v]) }
            var flow: [LinearProgram.Term] = []
            for h in hosts.sorted() where p.isTarget[h] {
                let y = lp.addVariable(lower: 0)
                arrivals[h].append((c, y))
                flow.append(.init(y, 1))
            }
            if !flow.isEmpty { lp.addConstraint(flow + classes[c].supply, .lessOrEqual, 0) }
        }
    }

    /// What arrives at `h`, CPU or (scaled) memory, at each class's largest or least size.
    func arriving(at h: Int, memory: Bool, largest: Bool) -> [(variable: LinearProgram.Variable, coefficient: Double)] {
        arrivals[h].map { a in
            let range = memory ? classes[a.c].memory : classes[a.c].cpu
            return (a.y, largest ? range.most : range.least)
        }
    }

    /// Per target host, a variable at least the deficit it keeps (CPU or scaled memory): its deficit
    /// now, plus what leaves, less what arrives at most and what moves outside the transport
    /// (evacuations, hosts powered off) could bring. Returns the variables, to be summed.
    func deficitsLeft(_ lp: inout LinearProgram, memory: Bool, load: [Double]) -> [LinearProgram.Variable] {
        let exempt = memory ? self.exempt.memory : self.exempt.cpu
        var out: [LinearProgram.Variable] = []
        for h in 0..<p.hostCount where p.isTarget[h] {
            let deficit = memory ? (p.targetMemory * p.hostMemory[h] - load[h]) * p.memoryScale : p.targetLoad * p.cpuCapacity[h] - load[h]
            let leaving = departures[h].map { (x: $0.x, size: memory ? $0.memory : $0.cpu, count: $0.count) }
            let most = leaving.reduce(0.0) { $0 + $1.size * $1.count }
            guard deficit + most - exempt[h] > 0 else { continue }
            let left = lp.addVariable(lower: 0)
            lp.addConstraint([.init(left, 1)] + leaving.map { .init($0.x, -$0.size) }
                             + arriving(at: h, memory: memory, largest: true).map { .init($0.variable, $0.coefficient) },
                             .greaterOrEqual, deficit - exempt[h])
            out.append(left)
        }
        return out
    }

    /// At most `maxMovesPerHost` counted moves touch each host, leaving or arriving.
    func capHosts(_ lp: inout LinearProgram) {
        for h in 0..<p.hostCount where p.isTarget[h] {
            let terms = departures[h].map { LinearProgram.Term($0.x, 1) } + arrivals[h].map { LinearProgram.Term($0.y, 1) }
            if !terms.isEmpty { lp.addConstraint(terms, .lessOrEqual, Double(p.maxMovesPerHost)) }
        }
    }
}
