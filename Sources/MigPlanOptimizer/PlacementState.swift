import MigPlanInventory

/// A placement of every VM, with the sums the objective and the constraints need, kept up to
/// date move by move.
public struct PlacementState: Sendable {
    public let problem: PlacementProblem
    public private(set) var host: [Int]
    public private(set) var load: [Double]
    public private(set) var activeMemory: [Double]
    public private(set) var reserved: [Double]
    public private(set) var configured: [Double]
    /// Counted moves touching each host, and in the plan.
    public private(set) var hostMoves: [Int]
    public private(set) var totalMoves: Int
    /// Members of each rule per host (hard rules first, then soft), for rule checks.
    private var ruleCount: [[Int: Int]]
    /// Per budgeted product: VMs of it per host, and its units now.
    public private(set) var budgetCount: [[Int]]
    public private(set) var budgetUnits: [Double]
    private let rulesOfVM: [[Int]]
    private let allRules: [Rule]

    public init(problem p: PlacementProblem) {
        problem = p
        host = p.home
        load = [Double](repeating: 0, count: p.hostCount)
        activeMemory = load
        reserved = load
        configured = load
        for v in 0..<p.vmCount {
            load[p.home[v]] += p.demand[v]
            activeMemory[p.home[v]] += p.activeMemory[v]
            reserved[p.home[v]] += p.reservation[v]
            configured[p.home[v]] += p.memory[v]
        }
        hostMoves = [Int](repeating: 0, count: p.hostCount)
        totalMoves = 0
        allRules = p.hardRules + p.softRules
        var of = [[Int]](repeating: [], count: p.vmCount)
        var counts: [[Int: Int]] = []
        for (r, rule) in allRules.enumerated() {
            var c: [Int: Int] = [:]
            for v in rule.vms {
                of[v].append(r)
                c[p.home[v], default: 0] += 1
            }
            counts.append(c)
        }
        rulesOfVM = of
        ruleCount = counts
        budgetCount = p.budgets.map { _ in [Int](repeating: 0, count: p.hostCount) }
        budgetUnits = [Double](repeating: 0, count: p.budgets.count)
        for v in 0..<p.vmCount { for b in p.vmBudgets[v] { budgetCount[b][p.home[v]] += 1 } }
        for (b, budget) in p.budgets.enumerated() {
            budgetUnits[b] = (0..<p.hostCount).reduce(0) { $0 + (budgetCount[b][$1] > 0 ? budget.unitsPerHost[$1] : 0) }
        }
    }

    /// Licence budgets (occupancy products with maxUnits) after moving `v` to `to`.
    public func budgetsAllow(_ v: Int, _ to: Int) -> Bool {
        let p = problem
        let from = host[v]
        for b in p.vmBudgets[v] {
            var units = budgetUnits[b]
            if budgetCount[b][to] == 0 { units += p.budgets[b].unitsPerHost[to] }
            if budgetCount[b][from] == 1 { units -= p.budgets[b].unitsPerHost[from] }
            if units > p.budgets[b].maxUnits + 1e-9 && units > budgetUnits[b] { return false }
        }
        return true
    }

    // MARK: - Objective

    func balanceTerm(_ h: Int, load l: Double, memory m: Double) -> Double {
        let p = problem
        guard p.isTarget[h] else { return 0 }
        let c = p.cpuCapacity[h]
        var f = p.balanceWeight * abs(l - p.targetLoad * c)
        f += p.memoryWeight * abs(m - p.targetMemory * p.hostMemory[h]) * p.memoryScale
        f += p.overWeight * max(0, l - (1 - p.headroom) * c)
        return f
    }

    /// Penalty of a soft rule in the current counts.
    private func rulePenalty(_ r: Int) -> Double {
        rulePenalty(r, counts: ruleCount[r], moved: nil)
    }

    /// Penalty of a soft rule with the given member counts per host; `moved` = (vm, new host)
    /// when evaluating a move before making it.
    private func rulePenalty(_ r: Int, counts: [Int: Int], moved: (v: Int, to: Int)?) -> Double {
        let rule = allRules[r]
        guard r >= problem.hardRules.count else { return 0 }
        func hostOf(_ v: Int) -> Int { moved?.v == v ? moved!.to : host[v] }
        switch rule.kind {
        case .vmAntiAffinity:
            return problem.shouldPenalty * Double(counts.values.reduce(0) { $0 + max(0, $1 - 1) })
        case .vmAffinity:
            // Members apart from the rule's first VM.
            let anchor = hostOf(rule.vms[0])
            return problem.shouldPenalty * Double(rule.vms.dropFirst().filter { hostOf($0) != anchor }.count)
        case .vmHost:
            let group = problem.groupHosts[rule.hostGroup ?? ""] ?? []
            let inside = counts.filter { group.contains($0.key) }.values.reduce(0, +)
            let outside = rule.vms.count - inside
            return problem.shouldPenalty * Double(rule.policy.isNegative ? inside : outside)
        case .vmSpread:
            let domains = Set(counts.filter { $0.value > 0 }.keys.map { problem.faultDomainOf[$0] }).count
            return problem.shouldPenalty * Double(max(0, (rule.minFaultDomains ?? 0) - domains))
        }
    }

    /// The objective's parts: CPU deviation, memory deviation, load above headroom, move costs,
    /// should-rule penalties.
    public var components: (deviation: Double, memory: Double, over: Double, moves: Double, rules: Double) {
        let p = problem
        var dev = 0.0, mem = 0.0, over = 0.0, moves = 0.0, rules = 0.0
        for h in 0..<p.hostCount where p.isTarget[h] {
            dev += p.balanceWeight * abs(load[h] - p.targetLoad * p.cpuCapacity[h])
            mem += p.memoryWeight * abs(activeMemory[h] - p.targetMemory * p.hostMemory[h]) * p.memoryScale
            over += p.overWeight * max(0, load[h] - (1 - p.headroom) * p.cpuCapacity[h])
        }
        for v in 0..<p.vmCount where host[v] != p.home[v] { moves += p.moveCost[v] }
        for r in p.hardRules.count..<allRules.count { rules += rulePenalty(r) }
        return (dev, mem, over, moves, rules)
    }

    public var objective: Double {
        var f = 0.0
        for h in 0..<problem.hostCount { f += balanceTerm(h, load: load[h], memory: activeMemory[h]) }
        for v in 0..<problem.vmCount where host[v] != problem.home[v] { f += problem.moveCost[v] }
        for r in problem.hardRules.count..<allRules.count { f += rulePenalty(r) }
        return f
    }

    /// How far host `h` is above its balanced level, CPU and active memory weighted as in the
    /// objective (negative: below it).
    /// Whether host `h` holds more configured memory or CPU reservation than it has.
    func overCapacity(_ h: Int) -> Bool {
        configured[h] > problem.memoryCapacity[h] + 1e-6 || reserved[h] > problem.cpuCapacity[h] + 1e-6
    }

    func pressure(_ h: Int) -> Double {
        let p = problem
        return p.balanceWeight * (load[h] - p.targetLoad * p.cpuCapacity[h])
            + p.memoryWeight * (activeMemory[h] - p.targetMemory * p.hostMemory[h]) * p.memoryScale
    }

    /// The part of the objective a neighbourhood model (``ExactModel/Neighbourhood``) sees: the
    /// balance terms of `hosts`, every move's cost and the penalties of the should-rules with a
    /// member in `vms`.
    func objective(ofHosts hosts: [Int], rulesOf vms: [Int]) -> Double {
        var f = 0.0
        for h in hosts { f += balanceTerm(h, load: load[h], memory: activeMemory[h]) }
        for v in 0..<problem.vmCount where host[v] != problem.home[v] { f += problem.moveCost[v] }
        var rules = Set<Int>()
        for v in vms { for r in rulesOfVM[v] where r >= problem.hardRules.count { rules.insert(r) } }
        for r in rules { f += rulePenalty(r) }
        return f
    }

    /// The change of the objective if `v` moved to `to`.
    public func delta(_ v: Int, to: Int) -> Double {
        let p = problem
        let from = host[v]
        if from == to { return 0 }
        var d = balanceTerm(from, load: load[from] - p.demand[v], memory: activeMemory[from] - p.activeMemory[v])
            - balanceTerm(from, load: load[from], memory: activeMemory[from])
        d += balanceTerm(to, load: load[to] + p.demand[v], memory: activeMemory[to] + p.activeMemory[v])
            - balanceTerm(to, load: load[to], memory: activeMemory[to])
        if from == p.home[v] { d += p.moveCost[v] } else if to == p.home[v] { d -= p.moveCost[v] }
        if !rulesOfVM[v].isEmpty && p.shouldPenalty > 0 {
            for r in rulesOfVM[v] where r >= p.hardRules.count {
                var counts = ruleCount[r]
                counts[from, default: 0] -= 1
                if counts[from] == 0 { counts[from] = nil }
                counts[to, default: 0] += 1
                d += rulePenalty(r, counts: counts, moved: (v, to)) - rulePenalty(r)
            }
        }
        return d
    }

    // MARK: - Feasibility

    /// Pre-copy MiB of every VM away from its home (what the plan's moves copy, each once).
    public var migratedMiB: Double {
        (0..<problem.vmCount).reduce(0) { $0 + (host[$1] != problem.home[$1] ? problem.engine.precopy[$1].megabytes : 0) }
    }

    /// Capacity of `to` with `v` added.
    public func fits(_ v: Int, _ to: Int) -> Bool {
        let p = problem
        return reserved[to] + p.reservation[v] <= p.cpuCapacity[to] + 1e-6
            && configured[to] + p.memory[v] <= p.memoryCapacity[to] + 1e-6
    }

    /// Hard anti-affinity and affinity rules with `v` on `to` (the others where they are).
    public func rulesAllow(_ v: Int, _ to: Int) -> Bool {
        for r in rulesOfVM[v] where r < problem.hardRules.count {
            let rule = allRules[r]
            let here = ruleCount[r][to, default: 0] - (host[v] == to ? 1 : 0)
            switch rule.kind {
            case .vmAntiAffinity: if here > 0 { return false }
            case .vmAffinity: if here != rule.vms.count - 1 { return false }
            case .vmHost: break  // static: in `allowed`
            case .vmSpread:
                let domains = problem.faultDomainOf
                let now = rule.faultDomainCount(domains) { host[$0] }
                if !rule.spreadKept(domains, hostOf: { $0 == v ? to : host[$0] }, before: now) { return false }
            }
        }
        return true
    }

    /// Move caps after moving `v` to `to`.
    public func capsAllow(_ v: Int, _ to: Int) -> Bool {
        let p = problem
        guard p.counted(v) else { return true }
        let from = host[v], home = p.home[v]
        // Moving back home cancels the move; a second move re-targets it.
        if to == home { return true }
        var total = totalMoves, perHome = hostMoves[home], perTo = hostMoves[to]
        if from == home { total += 1; perHome += 1 }
        perTo += 1
        if p.maxMoves > 0 && total > p.maxMoves { return false }
        if p.maxMovesPerHost > 0 && (perHome > p.maxMovesPerHost || perTo > p.maxMovesPerHost) { return false }
        return true
    }

    /// `ignoringCaps` for moves off a host being emptied (evacuations count against no cap).
    public func canMove(_ v: Int, to: Int, ignoringCaps: Bool = false) -> Bool {
        problem.movable[v] && to != host[v] && problem.canHost(v, to) && fits(v, to) && rulesAllow(v, to)
            && budgetsAllow(v, to) && (ignoringCaps || capsAllow(v, to))
    }

    // MARK: - Moving

    private mutating func shiftRules(_ v: Int, from: Int, to: Int) {
        for r in rulesOfVM[v] {
            ruleCount[r][from, default: 0] -= 1
            if ruleCount[r][from] == 0 { ruleCount[r][from] = nil }
            ruleCount[r][to, default: 0] += 1
        }
    }

    public mutating func move(_ v: Int, to: Int) {
        let p = problem
        let from = host[v]
        guard from != to else { return }
        load[from] -= p.demand[v]; load[to] += p.demand[v]
        activeMemory[from] -= p.activeMemory[v]; activeMemory[to] += p.activeMemory[v]
        reserved[from] -= p.reservation[v]; reserved[to] += p.reservation[v]
        configured[from] -= p.memory[v]; configured[to] += p.memory[v]
        if p.counted(v) {
            let home = p.home[v]
            if from == home { totalMoves += 1; hostMoves[home] += 1 } else { hostMoves[from] -= 1 }
            if to == home { totalMoves -= 1; hostMoves[home] -= 1 } else { hostMoves[to] += 1 }
        }
        shiftRules(v, from: from, to: to)
        for b in p.vmBudgets[v] {
            if budgetCount[b][to] == 0 { budgetUnits[b] += p.budgets[b].unitsPerHost[to] }
            budgetCount[b][to] += 1
            budgetCount[b][from] -= 1
            if budgetCount[b][from] == 0 { budgetUnits[b] -= p.budgets[b].unitsPerHost[from] }
        }
        host[v] = to
    }

    /// Every move cap and licence budget holds in this state (budgets already over at the start
    /// may stay over, not grow).
    public func capsAndBudgetsHold(comparedTo start: PlacementState) -> Bool {
        let p = problem
        if p.maxMoves > 0 && totalMoves > p.maxMoves { return false }
        if p.maxMovesPerHost > 0 && hostMoves.contains(where: { $0 > p.maxMovesPerHost }) { return false }
        for (b, budget) in p.budgets.enumerated() where budgetUnits[b] > budget.maxUnits + 1e-9 && budgetUnits[b] > start.budgetUnits[b] + 1e-9 {
            return false
        }
        return true
    }

    /// Hard rules that are broken now, as (rule, detail).
    public func brokenHardRules() -> [(Rule, String)] {
        var out: [(Rule, String)] = []
        let inv = problem.inventory
        for r in 0..<problem.hardRules.count {
            let rule = allRules[r]
            switch rule.kind {
            case .vmAntiAffinity:
                for (h, n) in ruleCount[r] where n > 1 { out.append((rule, "\(n) of its VMs on \(inv.hosts[h].name)")) }
            case .vmAffinity:
                if ruleCount[r].count > 1 { out.append((rule, "its VMs are on \(ruleCount[r].count) hosts")) }
            case .vmHost:
                let group = problem.groupHosts[rule.hostGroup ?? ""] ?? []
                for v in rule.vms where group.contains(host[v]) == rule.policy.isNegative {
                    out.append((rule, "\(inv.vms[v].name) on \(inv.hosts[host[v]].name)"))
                }
            case .vmSpread:
                let n = rule.faultDomainCount(problem.faultDomainOf) { host[$0] }
                if n < rule.minFaultDomains ?? 0 { out.append((rule, "its VMs span \(n) fault domains of the \(rule.minFaultDomains ?? 0) required")) }
            }
        }
        return out
    }

}


