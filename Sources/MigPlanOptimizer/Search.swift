import Foundation
import MigPlanInventory
import MigPlanLP

/// Why a VM had to move, shown with each move.
public enum MoveReason: String, Sendable, Hashable, Codable {
    case evacuation, rule, capacity, balance, consolidation
}

/// The greedy and local-search parts of the optimizer, on a ``PlacementState``.
struct Search {
    let problem: PlacementProblem
    let deadline: Double
    var reasons: [Int: MoveReason] = [:]
    /// Mandatory work that could not be done, as (VM, constraint).
    var unresolved: [(vm: Int, constraint: String)] = []
    /// Set when the deadline stopped a part of the search that would otherwise have gone on.
    var cutByClock = false

    /// Members of the must-affinity group of each VM (overlapping rules merged); empty if none.
    var affinityGroup: [[Int]] { problem.affinityGroup }

    init(problem: PlacementProblem, deadline: Double) {
        self.problem = problem
        self.deadline = deadline
    }

    /// Moves a must-affinity group to one host together (the best by objective), when every
    /// member may run there, the host has room for all, and caps, budgets and the other
    /// must-rules still hold. True if it moved them.
    func moveGroup(_ s: inout PlacementState, _ members: [Int], reason: MoveReason, reasons: inout [Int: MoveReason]) -> Bool {
        let p = problem
        guard members.allSatisfy({ p.movable[$0] }) else { return false }
        let start = PlacementState(problem: p)
        let brokenBefore = Set(s.brokenHardRules().map(\.0.name))
        var best: (host: Int, state: PlacementState, objective: Double)? = nil
        for h in 0..<p.hostCount where p.isTarget[h] && members.allSatisfy({ p.canHost($0, h) }) {
            let movers = members.filter { s.host[$0] != h }
            guard !movers.isEmpty else { continue }
            let memory = movers.reduce(0.0) { $0 + p.memory[$1] }, reserve = movers.reduce(0.0) { $0 + p.reservation[$1] }
            guard s.configured[h] + memory <= p.memoryCapacity[h] + 1e-6, s.reserved[h] + reserve <= p.cpuCapacity[h] + 1e-6 else { continue }
            var trial = s
            for v in movers { trial.move(v, to: h) }
            let brokenAfter = Set(trial.brokenHardRules().map(\.0.name))
            guard brokenAfter.isSubset(of: brokenBefore), trial.capsAndBudgetsHold(comparedTo: start) else { continue }
            let f = trial.objective
            if best == nil || f < best!.objective { best = (h, trial, f) }
        }
        guard let b = best else { return false }
        for v in members where s.host[v] != b.host { reasons[v] = reason }
        s = b.state
        return true
    }

    var timeUp: Bool { monotonicSeconds() >= deadline }

    /// The best destination for `v` (lowest objective change) among those it may move to now.
    func bestDestination(_ s: PlacementState, _ v: Int, among hosts: [Int]? = nil) -> (host: Int, delta: Double)? {
        var best: (Int, Double)? = nil
        for h in hosts ?? problem.allowed[v] where s.canMove(v, to: h) {
            let d = s.delta(v, to: h)
            if best == nil || d < best!.1 - 1e-9 { best = (h, d) }
        }
        return best
    }

    /// Moves `v` to one of its allowed hosts after first moving one other VM off that host to
    /// make room (the sequencer then orders the two). True if done.
    mutating func makeRoom(_ s: inout PlacementState, for v: Int, reason: MoveReason) -> Bool {
        let p = problem
        guard p.movable[v] else { return false }
        var best: (u: Int, g: Int, h: Int, cost: Double)? = nil
        for h in p.allowed[v] where s.rulesAllow(v, h) && s.budgetsAllow(v, h) && s.capsAllow(v, h) {
            let needMemory = s.configured[h] + p.memory[v] - p.memoryCapacity[h]
            let needReserve = s.reserved[h] + p.reservation[v] - p.cpuCapacity[h]
            guard needMemory > 1e-6 || needReserve > 1e-6 else { continue }
            for u in 0..<p.vmCount where u != v && s.host[u] == h && p.movable[u]
                && p.memory[u] >= needMemory - 1e-6 && p.reservation[u] >= needReserve - 1e-6 {
                for g in p.allowed[u] where g != h && s.canMove(u, to: g) {
                    let cost = s.delta(u, to: g)
                    if best == nil || cost < best!.cost { best = (u, g, h, cost) }
                }
            }
        }
        guard let b = best else { return false }
        var trial = s
        trial.move(b.u, to: b.g)
        guard trial.canMove(v, to: b.h) else { return false }
        trial.move(v, to: b.h)
        s = trial
        if reasons[b.u] == nil { reasons[b.u] = reason }
        reasons[v] = reason
        return true
    }

    /// Brings a licence budget that is over its cap back under it by moving the product's VMs
    /// off the hosts that hold the fewest of them onto hosts that already hold some.
    mutating func repairBudget(_ s: inout PlacementState, _ b: Int) -> Bool {
        let p = problem
        var guardCount = 0
        while s.budgetUnits[b] > p.budgets[b].maxUnits + 1e-9 && guardCount < p.vmCount {
            guardCount += 1
            let members = (0..<p.vmCount).filter { p.vmBudgets[$0].contains(b) }
            let occupied = Set(members.map { s.host[$0] })
            // The occupied host whose VMs are fewest (and cheapest) to move elsewhere.
            let source = occupied.sorted { a, c in
                let na = members.filter { s.host[$0] == a }.count, nc = members.filter { s.host[$0] == c }.count
                return (na, a) < (nc, c)
            }
            var progressed = false
            for h in source {
                let leaving = members.filter { s.host[$0] == h }
                var trial = s
                var ok = true
                for v in leaving {
                    let targets = occupied.filter { $0 != h && trial.canMove(v, to: $0) }
                    guard let to = targets.min(by: { (trial.delta(v, to: $0), $0) < (trial.delta(v, to: $1), $1) }) else { ok = false; break }
                    trial.move(v, to: to)
                }
                if ok {
                    for v in leaving { reasons[v] = .rule }
                    s = trial
                    progressed = true
                    break
                }
            }
            if !progressed { return false }
        }
        return s.budgetUnits[b] <= p.budgets[b].maxUnits + 1e-9
    }

    // MARK: - Mandatory moves

    /// Evacuations, broken hard rules and capacity overruns, cheapest fixes first.
    mutating func mandatory(_ s: inout PlacementState) {
        let p = problem
        let inv = p.inventory
        // 1. Evacuations: largest VMs first, so they find room.
        let evac = (0..<p.vmCount).filter { p.evacuated[s.host[$0]] }.sorted { (p.memory[$0], $0) > (p.memory[$1], $1) }
        for v in evac {
            guard p.movable[v] else {
                unresolved.append((v, "must leave \(inv.hosts[s.host[v]].name) (\(inv.hosts[s.host[v]].state.rawValue)) but is not movable"))
                continue
            }
            if !p.evacuated[s.host[v]] { continue }  // moved already with its affinity group
            if let (h, _) = bestDestination(s, v) {
                s.move(v, to: h)
                reasons[v] = .evacuation
            } else if !affinityGroup[v].isEmpty, moveGroup(&s, affinityGroup[v], reason: .evacuation, reasons: &reasons) {
                continue
            } else if affinityGroup[v].isEmpty, makeRoom(&s, for: v, reason: .evacuation) {
                continue
            } else {
                unresolved.append((v, "must leave \(inv.hosts[s.host[v]].name) but no host can take it (\(whyNowhere(s, v)))"))
            }
        }
        // 2. Broken hard rules: repair each in turn; one that cannot be repaired does not stop
        // the others.
        var guardCount = 0
        var stuck = Set<String>()
        while guardCount < 4 * max(1, p.hardRules.count) + 2 * p.vmCount {
            guardCount += 1
            guard let (rule, _) = s.brokenHardRules().first(where: { !stuck.contains($0.0.name) }) else { break }
            if !fix(rule, &s) { stuck.insert(rule.name) }
        }
        for (rule, detail) in s.brokenHardRules() {
            unresolved.append((rule.vms[0], "rule \(rule.name) cannot be satisfied: \(detail)"))
        }
        // Licence budgets already exceeded: gather the product's VMs onto fewer hosts.
        for (b, budget) in p.budgets.enumerated() where s.budgetUnits[b] > budget.maxUnits + 1e-9 && !repairBudget(&s, b) {
            let name = inv.products[budget.product].name
            if let v = (0..<p.vmCount).first(where: { p.vmBudgets[$0].contains(b) }) {
                unresolved.append((v, "licence budget of \(name): \(s.budgetUnits[b]) units in use, maxUnits \(budget.maxUnits)"))
            }
        }
        // 3. Capacity: shed the cheapest VMs per MiB or MHz until each host fits.
        for h in 0..<p.hostCount where p.isTarget[h] {
            while s.overCapacity(h) {
                let memoryShort = s.configured[h] > p.memoryCapacity[h] + 1e-6
                let candidates = (0..<p.vmCount).filter { s.host[$0] == h && p.movable[$0] }.sorted {
                    let a = p.moveCost[$0] / max(1, memoryShort ? p.memory[$0] : p.reservation[$0])
                    let b = p.moveCost[$1] / max(1, memoryShort ? p.memory[$1] : p.reservation[$1])
                    return (a, $0) < (b, $1)
                }
                var moved = false
                for v in candidates where memoryShort || p.reservation[v] > 0 {
                    if let (to, _) = bestDestination(s, v) {
                        s.move(v, to: to)
                        reasons[v] = .capacity
                        moved = true
                        break
                    }
                }
                if !moved {
                    unresolved.append((candidates.first ?? 0, "\(inv.hosts[h].name) is over its \(memoryShort ? "memory" : "CPU reservation") capacity and no VM on it can move"))
                    break
                }
            }
        }
    }

    /// One repair of a broken hard rule; false when nothing helps.
    private mutating func fix(_ rule: Rule, _ s: inout PlacementState) -> Bool {
        let p = problem
        switch rule.kind {
        case .vmAntiAffinity:
            // Move the cheapest member of a crowded host to its best allowed host.
            var byHost: [Int: [Int]] = [:]
            for v in rule.vms { byHost[s.host[v], default: []].append(v) }
            for (_, members) in byHost.sorted(by: { $0.key < $1.key }) where members.count > 1 {
                for v in members.sorted(by: { (p.moveCost[$0], $0) < (p.moveCost[$1], $1) }) where p.movable[v] {
                    if let (h, _) = bestDestination(s, v) { s.move(v, to: h); reasons[v] = .rule; return true }
                }
            }
            return false
        case .vmAffinity:
            // Gather the whole group on the one host where that is best and keeps everything else.
            let group = affinityGroup[rule.vms[0]].isEmpty ? rule.vms : affinityGroup[rule.vms[0]]
            return moveGroup(&s, group, reason: .rule, reasons: &reasons)
        case .vmHost:
            for v in rule.vms where p.movable[v] {
                let group = p.groupHosts[rule.hostGroup ?? ""] ?? []
                guard group.contains(s.host[v]) == rule.policy.isNegative else { continue }
                if let (h, _) = bestDestination(s, v) { s.move(v, to: h); reasons[v] = .rule; return true }
                if !affinityGroup[v].isEmpty, moveGroup(&s, affinityGroup[v], reason: .rule, reasons: &reasons) { return true }
                if affinityGroup[v].isEmpty, makeRoom(&s, for: v, reason: .rule) { return true }
            }
            return false
        case .vmSpread:
            // Move the cheapest member sharing a fault domain to the best host in a domain the rule lacks.
            let domainOf = p.faultDomainOf
            var perDomain: [Int: Int] = [:]
            for v in rule.vms { perDomain[domainOf[s.host[v]], default: 0] += 1 }
            for v in rule.vms.sorted(by: { (p.moveCost[$0], $0) < (p.moveCost[$1], $1) })
            where p.movable[v] && affinityGroup[v].isEmpty && perDomain[domainOf[s.host[v]]]! > 1 {
                let fresh = p.allowed[v].filter { perDomain[domainOf[$0]] == nil }
                if let (h, _) = bestDestination(s, v, among: fresh) { s.move(v, to: h); reasons[v] = .rule; return true }
            }
            return false
        }
    }

    private func whyNowhere(_ s: PlacementState, _ v: Int) -> String {
        let p = problem
        if p.allowed[v].isEmpty {
            let kinds = (0..<p.hostCount).filter { $0 != p.home[v] && p.isTarget[$0] }
                .flatMap { p.engine.blockKinds(vm: v, host: $0).kindNames }
            let counts = Dictionary(kinds.map { ($0, 1) }, uniquingKeysWith: +)
            return "readiness: " + counts.sorted { $0.value > $1.value }.prefix(3).map(\.key).joined(separator: ", ")
        }
        if !p.allowed[v].contains(where: { s.fits(v, $0) }) { return "capacity" }
        if !p.allowed[v].contains(where: { s.rulesAllow(v, $0) }) { return "rules" }
        if !p.allowed[v].contains(where: { s.budgetsAllow(v, $0) }) { return "licence budget" }
        return "move caps"
    }

    // MARK: - Balance

    /// Greedy descent: from the host that gains most by shedding, move the VM whose best move
    /// lowers the objective most, until no move improves it.
    mutating func balance(_ s: inout PlacementState, maxRounds: Int = 1_000_000) {
        let p = problem
        guard p.balanceWeight > 0 else { return }
        var vmsOn = [[Int]](repeating: [], count: p.hostCount)
        for v in 0..<p.vmCount { vmsOn[s.host[v]].append(v) }
        // Destinations to try: hosts below the balanced level first.
        var rounds = 0
        var stale = Set<Int>()
        while rounds < maxRounds && !timeUp {
            rounds += 1
            // Hot hosts by how far above the balanced level they are, CPU and memory together;
            // destinations by how much room below it they have.
            func pressure(_ h: Int) -> Double {
                s.pressure(h) + p.overWeight * max(0, s.load[h] - (1 - p.headroom) * p.cpuCapacity[h])
            }
            let hot = (0..<p.hostCount).filter { p.isTarget[$0] && !stale.contains($0) }
                .map { ($0, pressure($0)) }
                .filter { $0.1 > 0 }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }
            guard !hot.isEmpty else { break }
            let cold = (0..<p.hostCount).filter { p.isTarget[$0] }.sorted { (pressure($0), $0) < (pressure($1), $1) }
            var improved = false
            for (h, _) in hot.prefix(4) {
                // Knapsack order: the move that buys the most improvement per unit of migration
                // cost (for a VM back home, per unit of the cost it saves).
                var best: (v: Int, to: Int, d: Double, score: Double)? = nil
                for v in vmsOn[h] where p.movable[v] {
                    // The coolest few compatible hosts are where a move helps most.
                    var tried = 0
                    for d in cold where d != h && p.canHost(v, d) {
                        tried += 1
                        if tried > 6 { break }
                        guard s.canMove(v, to: d) else { continue }
                        let delta = s.delta(v, to: d)
                        guard delta < -1e-9 else { continue }
                        let score = p.movesAreScarce ? -delta : -delta / max(p.moveCost[v], 1e-9)
                        if best == nil || score > best!.score || (score == best!.score && (v, d) < (best!.v, best!.to)) {
                            best = (v, d, delta, score)
                        }
                    }
                }
                if let b = best {
                    s.move(b.v, to: b.to)
                    vmsOn[h].removeAll { $0 == b.v }
                    vmsOn[b.to].append(b.v)
                    if reasons[b.v] == nil { reasons[b.v] = .balance }
                    stale.remove(b.to)
                    improved = true
                    break
                } else {
                    stale.insert(h)
                }
            }
            if !improved && hot.allSatisfy({ stale.contains($0.0) }) { break }
        }
    }

    /// Local search over single moves: every VM in turn goes to the host (or back home) that
    /// lowers the objective most, by improvement per unit of migration cost, until a pass finds
    /// nothing or time runs out.
    mutating func relocate(_ s: inout PlacementState, maxPasses: Int = 12) {
        let p = problem
        guard p.balanceWeight > 0 else { return }
        for _ in 0..<maxPasses {
            var improved = false
            for v in 0..<p.vmCount where p.movable[v] {
                if v % 256 == 0 && timeUp { return }
                var best: (to: Int, d: Double, score: Double)? = nil
                var candidates = p.allowed[v]
                if s.host[v] != p.home[v] && p.homeAllowed[v] { candidates.append(p.home[v]) }
                for d in candidates where d != s.host[v] {
                    let delta = s.delta(v, to: d)
                    guard delta < -1e-7 else { continue }
                    // Moving home saves the cost: rank it by plain improvement.
                    let score = d == p.home[v] ? .infinity : (p.movesAreScarce ? -delta : -delta / max(p.moveCost[v], 1e-9))
                    guard best == nil || score > best!.score || (score == best!.score && delta < best!.d) else { continue }
                    guard s.canMove(v, to: d) else { continue }
                    best = (d, delta, score)
                }
                if let b = best {
                    s.move(v, to: b.to)
                    if b.to == p.home[v] { reasons[v] = nil } else if reasons[v] == nil { reasons[v] = .balance }
                    improved = true
                }
            }
            if !improved { return }
        }
    }

    /// Local search: single moves anywhere and swaps between a hot and a cool host, while they
    /// lower the objective and time remains.
    mutating func polish(_ s: inout PlacementState) {
        let p = problem
        guard p.balanceWeight > 0 else { return }
        var improved = true
        var passes = 0
        while improved && !timeUp && passes < 8 {
            improved = false
            passes += 1
            relocate(&s, maxPasses: 1)
            // Undo moves that no longer pay, and re-target moved VMs.
            for v in 0..<p.vmCount where s.host[v] != p.home[v] && !p.evacuated[p.home[v]] {
                let home = p.home[v]
                if s.canMove(v, to: home), s.delta(v, to: home) < -1e-9 {
                    s.move(v, to: home)
                    reasons[v] = nil
                    improved = true
                }
            }
            if timeUp { break }
            // Swaps between the hosts furthest apart, CPU and memory together: a VM of one for a
            // VM of the other, when the exchange lowers the objective.
            var vmsOn = [[Int]](repeating: [], count: p.hostCount)
            for v in 0..<p.vmCount where p.movable[v] { vmsOn[s.host[v]].append(v) }
            func pressure(_ h: Int) -> Double { s.pressure(h) }
            func memoryPressure(_ h: Int) -> Double { s.activeMemory[h] / p.hostMemory[h] }
            let targets = (0..<p.hostCount).filter { p.isTarget[$0] }
            guard targets.count >= 2 else { break }
            var pairs: [(Int, Int)] = []
            let byPressure = targets.sorted { (pressure($0), $0) > (pressure($1), $1) }
            let byMemory = targets.sorted { (memoryPressure($0), $0) > (memoryPressure($1), $1) }
            for i in 0..<min(4, targets.count / 2) {
                pairs.append((byPressure[i], byPressure[targets.count - 1 - i]))
                pairs.append((byMemory[i], byMemory[targets.count - 1 - i]))
            }
            var seen = Set<[Int]>()
            for (hot, cool) in pairs where hot != cool && seen.insert([hot, cool]).inserted {
                var best: (a: Int, b: Int, d: Double)? = nil
                let coolVMs = vmsOn[cool].prefix(160)
                for a in vmsOn[hot].prefix(160) where p.canHost(a, cool) {
                    for b in coolVMs where p.canHost(b, hot) {
                        guard let d = swapDelta(&s, a, b, hot, cool) else { continue }
                        if d < -1e-7 && (best == nil || d < best!.d) { best = (a, b, d) }
                    }
                    if timeUp { break }
                }
                if let b = best {
                    s.move(b.a, to: cool)
                    s.move(b.b, to: hot)
                    vmsOn[hot].removeAll { $0 == b.a }
                    vmsOn[cool].removeAll { $0 == b.b }
                    vmsOn[cool].append(b.a)
                    vmsOn[hot].append(b.b)
                    for v in [b.a, b.b] {
                        if s.host[v] == p.home[v] { reasons[v] = nil } else if reasons[v] == nil { reasons[v] = .balance }
                    }
                    improved = true
                }
            }
            if moverSwaps(&s) { improved = true }
        }
    }

    /// Exchanges of host between two moved VMs: neither pays a new migration (one that lands on
    /// its home saves its cost), only the balance changes, so a sweep over all their pairs finds
    /// the exchanges that fill CPU and memory deficits together, which random swaps seldom draw.
    /// True if anything changed.
    @discardableResult
    mutating func moverSwaps(_ s: inout PlacementState, maxSweeps: Int = 20) -> Bool {
        let p = problem
        var changed = false
        var term = (0..<p.hostCount).map { s.balanceTerm($0, load: s.load[$0], memory: s.activeMemory[$0]) }
        // After the first sweep, only pairs with a host changed since the sweep before began: the
        // others were evaluated on the same loads and did not pay.
        var changedAt = [Int](repeating: 0, count: p.hostCount)
        var clock = 1, previousStart = 0
        for _ in 0..<maxSweeps {
            let movers = (0..<p.vmCount).filter { p.movable[$0] && s.host[$0] != p.home[$0] }
            let start = clock
            var improved = 0
            for i in 0..<movers.count {
                if i % 64 == 0 && timeUp { return changed }
                let a = movers[i]
                for j in (i + 1)..<movers.count {
                    let b = movers[j]
                    let x = s.host[a], y = s.host[b]
                    guard x != y, changedAt[x] >= previousStart || changedAt[y] >= previousStart else { continue }
                    let dl = p.demand[b] - p.demand[a], dm = p.activeMemory[b] - p.activeMemory[a]
                    var estimate = s.balanceTerm(x, load: s.load[x] + dl, memory: s.activeMemory[x] + dm) - term[x]
                        + s.balanceTerm(y, load: s.load[y] - dl, memory: s.activeMemory[y] - dm) - term[y]
                    if p.home[a] == y { estimate -= p.moveCost[a] }
                    if p.home[b] == x { estimate -= p.moveCost[b] }
                    guard estimate < -1e-7, let d = swapDelta(&s, a, b, x, y), d < -1e-7 else { continue }
                    s.move(a, to: y)
                    s.move(b, to: x)
                    clock += 1
                    for h in [x, y] {
                        term[h] = s.balanceTerm(h, load: s.load[h], memory: s.activeMemory[h])
                        changedAt[h] = clock
                    }
                    for v in [a, b] where s.host[v] == p.home[v] { reasons[v] = nil }
                    improved += 1
                }
            }
            if improved == 0 { break }
            previousStart = start
            changed = true
        }
        return changed
    }

    /// Late-acceptance walk over single moves (to a random allowed host or back home), swaps
    /// between two hosts and, where moves are capped, trades (a moved VM goes home and another VM
    /// of that home takes its place at the destination, so no cap count changes): a change is
    /// taken when the objective after it is no worse than it was
    /// `history` steps ago or than now, so the walk can climb out of the local optimum the descent
    /// stopped in. A fixed number of steps from a fixed seed (deterministic); ends on the best
    /// placement it saw, which is never worse than the start.
    mutating func lateAcceptance(_ s: inout PlacementState, steps: Int, history: Int = 500, seed: UInt64 = 1) {
        let p = problem
        let movable = (0..<p.vmCount).filter { p.movable[$0] && (!p.allowed[$0].isEmpty || p.homeAllowed[$0]) }
        guard p.balanceWeight > 0, movable.count >= 2, steps > 0 else { return }
        var rng = SplitMix64(seed: seed)
        var current = s.objective
        var best = current
        var journal: [(vm: Int, from: Int)] = []
        var past = [Double](repeating: current, count: history)
        // With move caps, most random moves hit a cap: half the steps then trade.
        var onHome = [[Int]](repeating: [], count: p.hostCount)
        for v in movable { onHome[p.home[v]].append(v) }
        var movedList = (0..<p.vmCount).filter { s.host[$0] != p.home[$0] }
        // Keeps `movedList` equal to the VMs away from home after `v` left `from`.
        func noteMove(_ v: Int, from: Int) {
            let was = from != p.home[v], now = s.host[v] != p.home[v]
            if now && !was { movedList.append(v) }
            if was && !now { movedList.removeAll { $0 == v } }
        }
        // Takes an accepted step's objective; a new best forgets the way back.
        func accept(_ next: Double) {
            current = next
            if current < best - 1e-9 {
                best = current
                journal.removeAll(keepingCapacity: true)
            }
        }
        for step in 0..<steps {
            if step % 4096 == 0 && timeUp { break }
            if p.movesAreScarce && !movedList.isEmpty && rng.below(2) == 0 {
                let a = movedList[rng.below(movedList.count)]
                let home = p.home[a], dest = s.host[a]
                let others = onHome[home]
                let b = others[rng.below(others.count)]
                guard b != a, s.host[b] == home, p.homeAllowed[a], p.canHost(b, dest), s.canMove(a, to: home) else { continue }
                let d1 = s.delta(a, to: home)
                s.move(a, to: home)
                guard s.canMove(b, to: dest) else { s.move(a, to: dest); continue }
                let next = current + d1 + s.delta(b, to: dest)
                let slot = step % history
                if next <= past[slot] || next <= current {
                    s.move(b, to: dest)
                    journal.append((a, dest)); journal.append((b, home))
                    noteMove(a, from: dest); noteMove(b, from: home)
                    accept(next)
                } else {
                    s.move(a, to: dest)
                }
                past[slot] = current
                continue
            }
            let v = movable[rng.below(movable.count)]
            let from = s.host[v]
            var delta: Double? = nil
            var partner: Int? = nil
            if rng.below(2) == 0 {
                // A single move: home with some chance once moved, else a random allowed host.
                let to: Int
                if from != p.home[v] && p.homeAllowed[v] && rng.below(3) == 0 { to = p.home[v] }
                else if !p.allowed[v].isEmpty { to = p.allowed[v][rng.below(p.allowed[v].count)] }
                else { continue }
                guard to != from, s.canMove(v, to: to) else { continue }
                delta = s.delta(v, to: to)
                partner = -1 - to
            } else {
                let b = movable[rng.below(movable.count)]
                let y = s.host[b]
                guard y != from, p.canHost(v, y), p.canHost(b, from) else { continue }
                delta = swapDelta(&s, v, b, from, y)
                partner = b
            }
            guard let d = delta, let other = partner else { continue }
            let next = current + d
            let slot = step % history
            if next <= past[slot] || next <= current {
                if other < 0 {
                    journal.append((v, from))
                    s.move(v, to: -1 - other)
                } else {
                    let y = s.host[other]
                    journal.append((v, from)); journal.append((other, y))
                    s.move(v, to: y)
                    s.move(other, to: from)
                    noteMove(other, from: y)
                }
                noteMove(v, from: from)
                accept(next)
            }
            past[slot] = current
        }
        // Back to the best placement seen.
        for (vm, from) in journal.reversed() { s.move(vm, to: from) }
        for v in 0..<p.vmCount {
            if s.host[v] == p.home[v] { reasons[v] = nil } else if reasons[v] == nil { reasons[v] = .balance }
        }
    }

    /// Objective change of exchanging `a` (on `x`) and `b` (on `y`), nil if not feasible: both
    /// allowed, both hosts within capacity after the exchange, rules and caps kept.
    private func swapDelta(_ s: inout PlacementState, _ a: Int, _ b: Int, _ x: Int, _ y: Int) -> Double? {
        let p = problem
        guard s.host[a] == x, s.host[b] == y, p.movable[a], p.movable[b], p.canHost(a, y), p.canHost(b, x) else { return nil }
        guard s.configured[x] - p.memory[a] + p.memory[b] <= p.memoryCapacity[x] + 1e-6,
              s.configured[y] - p.memory[b] + p.memory[a] <= p.memoryCapacity[y] + 1e-6,
              s.reserved[x] - p.reservation[a] + p.reservation[b] <= p.cpuCapacity[x] + 1e-6,
              s.reserved[y] - p.reservation[b] + p.reservation[a] <= p.cpuCapacity[y] + 1e-6 else { return nil }
        guard s.capsAllow(b, x), s.budgetsAllow(b, x) else { return nil }
        let d1 = s.delta(b, to: x)
        s.move(b, to: x)
        defer { s.move(b, to: y) }
        guard s.capsAllow(a, y), s.rulesAllow(a, y), s.budgetsAllow(a, y) else { return nil }
        let d2 = s.delta(a, to: y)
        guard s.rulesAllow(b, x) else { return nil }
        return d1 + d2
    }
}
