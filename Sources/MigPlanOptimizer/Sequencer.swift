import MigPlanInventory

/// Orders the moves into waves: moves in one wave are independent, at most
/// `maxConcurrentPerHost` of them touch a host, a moving VM's memory and reservation count on
/// both its hosts while it moves, and no wave breaks a must-rule that held before it. Swaps and
/// cycles that no order can untie go through a third host with room.
struct Sequencer {
    let problem: PlacementProblem

    struct Result {
        /// (vm, from, to, wave), in wave order.
        var steps: [(v: Int, from: Int, to: Int, wave: Int)]
        var unresolved: [Int]
    }

    func sequence(final: [Int], priority: [Int: MoveReason]) -> Result {
        let p = problem
        var host = p.home
        var configured = [Double](repeating: 0, count: p.hostCount), reserved = configured
        for v in 0..<p.vmCount { configured[host[v]] += p.memory[v]; reserved[host[v]] += p.reservation[v] }
        // Pending moves: evacuations first, then rules, capacity, balance; big VMs first within.
        func rank(_ r: MoveReason?) -> Int {
            switch r {
            case .evacuation: 0
            case .rule: 1
            case .capacity: 2
            case .consolidation: 3
            default: 4
            }
        }
        var pending = (0..<p.vmCount).filter { final[$0] != host[$0] }
            .sorted { (rank(priority[$0]), -p.memory[$0], $0) < (rank(priority[$1]), -p.memory[$1], $1) }
        // Affinity (must) groups move together, in one wave; overlapping rules form one group.
        var unit: [Int: [Int]] = [:]
        for v in 0..<p.vmCount where !p.affinityGroup[v].isEmpty && final[v] != host[v] {
            unit[v] = p.affinityGroup[v].filter { final[$0] != host[$0] }
        }
        var steps: [(Int, Int, Int, Int)] = []
        var wave = 0
        var detours = 0
        let limit = p.inventory.cluster.migration.maxConcurrentPerHost
        // Occupancy licence budgets: VMs of each budgeted product per host, as the waves go.
        var budgetCount = p.budgets.map { _ in [Int](repeating: 0, count: p.hostCount) }
        for v in 0..<p.vmCount { for b in p.vmBudgets[v] { budgetCount[b][host[v]] += 1 } }
        func units(_ counts: [Int], _ b: Int) -> Double {
            (0..<p.hostCount).reduce(0) { $0 + (counts[$1] > 0 ? p.budgets[b].unitsPerHost[$1] : 0) }
        }
        /// Budget `b` with these counts: within its limit, or no further over it than `before`.
        func budgetKept(_ counts: [Int], _ b: Int, before: Double) -> Bool {
            let u = units(counts, b)
            return u <= p.budgets[b].maxUnits + 1e-9 || u <= before + 1e-9
        }
        while !pending.isEmpty {
            wave += 1
            // No wave may break a budget that held before it.
            var afterWave = budgetCount
            let unitsBefore = p.budgets.indices.map { units(budgetCount[$0], $0) }
            var touching = [Int](repeating: 0, count: p.hostCount)
            var inflightConf = configured, inflightRes = reserved
            var scheduled = Set<Int>()
            var arriving: [Int: [Int]] = [:]
            let pendingSet = Set(pending)
            let spreadRules = p.hardRules.filter { $0.kind == .vmSpread }
            /// Schedules a group in this wave if concurrency, in-flight capacity, anti-affinity
            /// after the wave and budgets allow.
            func trySchedule(_ group: [Int]) -> Bool {
                guard group.allSatisfy({ !scheduled.contains($0) }) else { return false }
                var t = touching, c = inflightConf, r = inflightRes
                for g in group {
                    let from = host[g], to = final[g]
                    t[from] += 1; t[to] += 1
                    c[to] += p.memory[g]; r[to] += p.reservation[g]
                    if t[from] > limit || t[to] > limit || c[to] > p.memoryCapacity[to] + 1e-6 || r[to] > p.cpuCapacity[to] + 1e-6 {
                        return false
                    }
                }
                let leaving = scheduled.union(group)
                guard antiAffinityHolds(group, host: host, final: final, arriving: arriving, scheduled: leaving) else { return false }
                // Fault-domain spread after the wave: its minimum, or no fewer domains than before it.
                for rule in spreadRules where rule.vms.contains(where: { group.contains($0) }) {
                    let before = rule.faultDomainCount(p.faultDomainOf) { host[$0] }
                    guard rule.spreadKept(p.faultDomainOf, hostOf: { leaving.contains($0) ? final[$0] : host[$0] }, before: before) else { return false }
                }
                var budgetTrial = afterWave
                for g in group {
                    for b in p.vmBudgets[g] { budgetTrial[b][host[g]] -= 1; budgetTrial[b][final[g]] += 1 }
                }
                let budgetsOK = p.budgets.indices.allSatisfy { budgetKept(budgetTrial[$0], $0, before: unitsBefore[$0]) }
                guard budgetsOK else { return false }
                afterWave = budgetTrial
                touching = t; inflightConf = c; inflightRes = r
                for g in group {
                    scheduled.insert(g)
                    arriving[final[g], default: []].append(g)
                }
                return true
            }
            for v in pending where !scheduled.contains(v) {
                let group = unit[v] ?? [v]
                if trySchedule(group) { continue }
                // Anti-affinity members that only block because they have not left yet (two
                // members trading hosts): move them in the same wave.
                var partners: [Int] = []
                for g in group {
                    for rule in p.hardRules where rule.kind == .vmAntiAffinity && rule.vms.contains(g) {
                        for u in rule.vms where u != g && host[u] == final[g] && pendingSet.contains(u) && final[u] != final[g]
                            && !scheduled.contains(u) && !group.contains(u) && !partners.contains(u) {
                            partners += unit[u] ?? [u]
                        }
                    }
                }
                if !partners.isEmpty { _ = trySchedule(group + partners) }
            }
            if scheduled.isEmpty {
                // Deadlock (a swap or cycle between full hosts): send one VM through a host with
                // room; never a member of an affinity group, which must move as a whole.
                var chosen: (Int, Int)? = nil
                // The waiting place must not push a licence budget over its limit (or further over it).
                func budgetsAllow(_ v: Int, _ via: Int) -> Bool {
                    p.vmBudgets[v].allSatisfy { b in
                        var trial = budgetCount[b]
                        trial[host[v]] -= 1
                        trial[via] += 1
                        return budgetKept(trial, b, before: unitsBefore[b])
                    }
                }
                for v in pending where p.affinityGroup[v].isEmpty {
                    if let via = detour(v, host: host, configured: configured, reserved: reserved, final: final, allow: budgetsAllow) {
                        chosen = (v, via)
                        break
                    }
                }
                guard let (v, via) = chosen else { return Result(steps: steps, unresolved: pending) }
                detours += 1
                for b in p.vmBudgets[v] { budgetCount[b][host[v]] -= 1; budgetCount[b][via] += 1 }
                steps.append((v, host[v], via, wave))
                configured[host[v]] -= p.memory[v]; reserved[host[v]] -= p.reservation[v]
                configured[via] += p.memory[v]; reserved[via] += p.reservation[v]
                host[v] = via
                if detours > p.vmCount { return Result(steps: steps, unresolved: pending) }
                continue
            }
            budgetCount = afterWave
            for v in pending where scheduled.contains(v) {
                steps.append((v, host[v], final[v], wave))
                configured[host[v]] -= p.memory[v]; reserved[host[v]] -= p.reservation[v]
                configured[final[v]] += p.memory[v]; reserved[final[v]] += p.reservation[v]
                host[v] = final[v]
            }
            pending.removeAll { scheduled.contains($0) }
        }
        return Result(steps: steps.map { (v: $0.0, from: $0.1, to: $0.2, wave: $0.3) }, unresolved: [])
    }

    /// After the wave, no must anti-affinity rule is broken by `group`'s arrival: no other member
    /// stays on, or arrives at, the same host.
    private func antiAffinityHolds(_ group: [Int], host: [Int], final: [Int], arriving: [Int: [Int]], scheduled: Set<Int>) -> Bool {
        for v in group {
            let to = final[v]
            for rule in problem.hardRules where rule.kind == .vmAntiAffinity && rule.vms.contains(v) {
                for u in rule.vms where u != v {
                    let stays = host[u] == to && !scheduled.contains(u)
                    if stays || arriving[to]?.contains(u) == true { return false }
                }
            }
        }
        return true
    }

    /// A host with room for `v` now and later, where it may run, other than where it is going, where
    /// its stay keeps each must vm-spread rule at its minimum of fault domains (or no fewer than now),
    /// and that `allow` accepts (the caller's licence budgets).
    private func detour(_ v: Int, host: [Int], configured: [Double], reserved: [Double], final: [Int],
                        allow: (Int, Int) -> Bool) -> Int? {
        let p = problem
        let spread = p.hardRules.filter { $0.kind == .vmSpread && $0.vms.contains(v) }
            .map { rule in (rule, rule.faultDomainCount(p.faultDomainOf) { host[$0] }) }
        return p.allowed[v].filter { h in
            h != final[v] && h != host[v]
                && configured[h] + p.memory[v] <= p.memoryCapacity[h] + 1e-6
                && reserved[h] + p.reservation[v] <= p.cpuCapacity[h] + 1e-6
                && !p.hardRules.contains { r in r.kind == .vmAntiAffinity && r.vms.contains(v) && r.vms.contains { $0 != v && host[$0] == h } }
                && spread.allSatisfy { rule, before in
                    rule.spreadKept(p.faultDomainOf, hostOf: { $0 == v ? h : host[$0] }, before: before)
                }
                && allow(v, h)
        }.max { (p.memoryCapacity[$0] - configured[$0], -$0) < (p.memoryCapacity[$1] - configured[$1], -$1) }
    }
}
