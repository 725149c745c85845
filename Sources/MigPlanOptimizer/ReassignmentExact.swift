import MigPlanLP

/// Large-neighbourhood steps for the reassignment search: a set of items is re-placed, each over a
/// few candidate hosts, by an exact MILP (lp_solve) with the rest of the assignment fixed. Shifts,
/// swaps and chains move one item at a time; this finds what they cannot reach, such as cycles of
/// items going back to their initial hosts together (moves that stopped paying for themselves but
/// block each other's way home).
///
/// Tried and not kept: re-placing every item of 2–5 hosts over those hosts. On a2_2 and b_01 each
/// solve took 25–500 ms and the walk gains more in that time (b_01: 0.03 % per 1.25 s epoch).
extension ReassignmentEngine {
    /// Outcome of one exact re-placement.
    enum ExactOutcome {
        /// A cheaper placement was applied (cost change, below zero).
        case improved(Int64)
        /// Nothing cheaper: proven, or none found in time.
        case unchanged
        /// The sub-problem was too large (or empty) to try.
        case skipped
    }

    /// Moved items related through their hosts: from a random moved item, the moved items now on, or
    /// coming from, each host met (its current and initial hosts), breadth first, up to `maxItems`.
    /// Items that block each other's way home share hosts, so they land in one sub-problem.
    func relatedMovedItems(rng: inout SplitMix64, maxItems: Int) -> [Int] {
        var movedFrom = [[Int32]](repeating: [], count: nh)
        var all: [Int] = []
        for i in 0..<ni where assign[i] != initial[i] {
            movedFrom[Int(initial[i])].append(Int32(i))
            all.append(i)
        }
        if all.count <= maxItems { return all }
        var chosen = Set<Int>(), seen = [Bool](repeating: false, count: nh)
        var queue: [Int] = [], head = 0
        while chosen.count < maxItems {
            if head == queue.count {
                let seed = all[rng.below(all.count)]
                for h in [Int(assign[seed]), Int(initial[seed])] where !seen[h] { seen[h] = true; queue.append(h) }
                if head == queue.count { continue }
            }
            let h = queue[head]
            head += 1
            var here = movedFrom[h].map(Int.init)
            for i in hostItems[h] where assign[Int(i)] != initial[Int(i)] { here.append(Int(i)) }
            for k in stride(from: here.count - 1, to: 0, by: -1) { here.swapAt(k, rng.below(k + 1)) }
            for i in here where chosen.count < maxItems && chosen.insert(i).inserted {
                for other in [Int(assign[i]), Int(initial[i])] where !seen[other] { seen[other] = true; queue.append(other) }
            }
        }
        return chosen.sorted()
    }

    /// Rounds of "stay or go home" for related groups of moved items (see ``relatedMovedItems``), until
    /// `deadline` or `rounds`: the cycles of returns single moves cannot make. A `workLimit` per solve
    /// (lp_solve progress callbacks) keeps budgeted runs reproducible. Returns solves and improvements.
    func returnPhase(rng: inout SplitMix64, deadline: Double, rounds: Int, maxItems: Int = 100,
                     workLimit: Int? = nil) -> (solved: Int, improved: Int) {
        var solved = 0, improved = 0
        while solved < rounds && monotonicSeconds() < deadline {
            let items = relatedMovedItems(rng: &rng, maxItems: maxItems)
            if items.isEmpty { break }
            let outcome = reoptimize(items: items, candidates: items.map { [Int(assign[$0]), Int(initial[$0])] },
                                     timeLimit: max(0.01, deadline - monotonicSeconds()), workLimit: workLimit)
            solved += 1
            if case .improved = outcome {
                improved += 1
                // Exact steps only lower the cost: the best is kept by following the current state.
                if current <= best { best = current; currentIsBest = true }
            } else if items.count < maxItems {
                break  // every moved item was in this sub-problem: nothing more to find
            }
        }
        return (solved, improved)
    }

    /// Return rounds as the search schedules them: until `stop` on the clock or, in budgeted runs,
    /// `budgetRounds` rounds, each stopped by a deterministic lp_solve work limit instead of the clock.
    func returnRounds(rng: inout SplitMix64, until stop: Double, budgetRounds: Int?) {
        _ = returnPhase(rng: &rng, deadline: stop, rounds: budgetRounds ?? Int.max, workLimit: budgetRounds == nil ? nil : 3_000)
    }

    /// Re-places `items`, item `p` on one of `candidates[p]` (which must hold its current host),
    /// optimally within the limits. The MILP carries exactly the part of the objective the
    /// re-placement can change (load and balance of the hosts involved, the items' move costs, the
    /// largest moved count of a group) and every hard constraint with the rest fixed: capacity,
    /// transient amounts held by items that left a host, distinct hosts, fault-domain spread and
    /// dependencies per neighbourhood. Only a strictly cheaper placement is applied, and re-checked
    /// with the engine's own counters; anything else leaves the state as it was.
    func reoptimize(items: [Int], candidates: [[Int]], timeLimit: Double?, workLimit: Int? = nil,
                    maxVariables: Int = 5_000) -> ExactOutcome {
        let np = items.count
        let cands = candidates.enumerated().map { p, c in
            // Each candidate once, the current host first.
            var list = [Int(assign[items[p]])]
            for h in c where !list.contains(h) { list.append(h) }
            return list
        }
        let size = cands.reduce(0) { $0 + $1.count }
        guard np > 0, size > np, size <= maxVariables else { return .skipped }

        // Hosts involved, and for each the (item, candidate slot) pairs that may land there.
        var hostSlots: [Int: [(Int, Int)]] = [:]
        for p in 0..<np { for (c, h) in cands[p].enumerated() { hostSlots[h, default: []].append((p, c)) } }
        let hostSet = hostSlots.keys.sorted()
        var leaving = [Int: [Int]]()          // P items now on a host
        for p in 0..<np { leaving[Int(assign[items[p]]), default: []].append(p) }

        var lp = LinearProgram()
        var objective: [LinearProgram.Term] = []
        var constant: Double = 0
        var x: [[LinearProgram.Variable]] = []
        x.reserveCapacity(np)
        for (p, i) in items.enumerated() {
            let o = Int(initial[i])
            var row: [LinearProgram.Variable] = []
            for h in cands[p] {
                let v = lp.addBinary()
                row.append(v)
                let hm = Double(moveCost(o, h))
                if hm != 0 { objective.append(.init(v, hm)) }
            }
            x.append(row)
            lp.addConstraint(row.map { .init($0, 1) }, .equal, 1)
            // Item move cost: paid unless the item ends on its initial host.
            let mc = Double(itemMoveCost[i])
            if mc != 0 {
                constant += mc
                if let c0 = cands[p].firstIndex(of: o) { objective.append(.init(row[c0], -mc)) }
            }
        }

        for h in hostSet {
            let base = h * nr
            let slots = hostSlots[h]!
            let out = leaving[h] ?? []
            for r in 0..<nr {
                // Usage of the items that stay put on h.
                var fixed = usage[base + r]
                for p in out { fixed -= demand[items[p] * nr + r] }
                var terms: [LinearProgram.Term] = []
                var most = fixed
                for (p, c) in slots {
                    let d = demand[items[p] * nr + r]
                    if d != 0 { terms.append(.init(x[p][c], Double(d))); most += d }
                }
                if transient[r] {
                    // Held during the moves. Every re-placed item whose initial host is h is held here
                    // wherever it ends (on h, or away from home), like the fixed items; the others count
                    // only if they land here.
                    var fixedHeld = held[base + r]
                    for p in out where Int(initial[items[p]]) != h { fixedHeld -= demand[items[p] * nr + r] }
                    var heldTerms: [LinearProgram.Term] = []
                    var heldMost: Int64 = 0
                    for (p, c) in slots where Int(initial[items[p]]) != h {
                        let d = demand[items[p] * nr + r]
                        if d != 0 { heldTerms.append(.init(x[p][c], Double(d))); heldMost += d }
                    }
                    if fixedHeld + heldMost > cap[base + r] {
                        lp.addConstraint(heldTerms, .lessOrEqual, Double(cap[base + r] - fixedHeld))
                    }
                } else if most > cap[base + r] {
                    lp.addConstraint(terms, .lessOrEqual, Double(cap[base + r] - fixed))
                }
                if most > safety[base + r] && loadWeight[r] != 0 {
                    let over = lp.addVariable()
                    objective.append(.init(over, Double(loadWeight[r])))
                    lp.addConstraint(terms + [.init(over, -1)], .lessOrEqual, Double(safety[base + r] - fixed))
                }
            }
            for balance in balances where balance.weight != 0 {
                // weight · max(0, target · (cap1 − u1) − (cap2 − u2))
                var f1 = usage[base + balance.resource1], f2 = usage[base + balance.resource2]
                for p in out { f1 -= demand[items[p] * nr + balance.resource1]; f2 -= demand[items[p] * nr + balance.resource2] }
                let v = lp.addVariable()
                objective.append(.init(v, Double(balance.weight)))
                var terms: [LinearProgram.Term] = [.init(v, 1)]
                for (p, c) in slots {
                    let i = items[p]
                    let coefficient = Double(balance.target) * Double(demand[i * nr + balance.resource1]) - Double(demand[i * nr + balance.resource2])
                    if coefficient != 0 { terms.append(.init(x[p][c], coefficient)) }
                }
                let rhs = Double(balance.target) * Double(cap[base + balance.resource1] - f1) - Double(cap[base + balance.resource2] - f2)
                lp.addConstraint(terms, .greaterOrEqual, rhs)
            }
        }

        // Re-placed items per group.
        var members: [Int: [Int]] = [:]
        for (p, i) in items.enumerated() { members[Int(group[i]), default: []].append(p) }
        let touched = members.keys.sorted()

        if weightGroupMove != 0 {
            // z ≥ moved count of every group: the untouched ones as they are, touched ones as re-placed.
            let z = lp.addVariable()
            objective.append(.init(z, Double(weightGroupMove)))
            var others: Int32 = 0
            for g in 0..<ng where members[g] == nil { others = max(others, moved[g]) }
            if others > 0 { lp.addConstraint([.init(z, 1)], .greaterOrEqual, Double(others)) }
            for g in touched {
                var fixed = Int(moved[g])
                var terms: [LinearProgram.Term] = [.init(z, 1)]
                for p in members[g]! {
                    let i = items[p], o = Int(initial[i])
                    if Int(assign[i]) != o { fixed -= 1 }
                    fixed += 1
                    if let c0 = cands[p].firstIndex(of: o) { terms.append(.init(x[p][c0], 1)) }
                }
                lp.addConstraint(terms, .greaterOrEqual, Double(fixed))
            }
        }

        for g in touched {
            let ps = members[g]!
            if distinct[g] {
                var byHost: [Int: [LinearProgram.Term]] = [:]
                var mine: [Int: Int] = [:]
                for p in ps {
                    mine[Int(assign[items[p]]), default: 0] += 1
                    for (c, h) in cands[p].enumerated() { byHost[h, default: []].append(.init(x[p][c], 1)) }
                }
                for (h, terms) in byHost.sorted(by: { $0.key < $1.key }) {
                    let room = 1 - (Int(occupied[g * nh + h]) - (mine[h] ?? 0))
                    if terms.count > room { lp.addConstraint(terms, .lessOrEqual, Double(max(0, room))) }
                }
            }
            if minDomains[g] > 0 {
                // Fault domains the group keeps through its fixed items, and the ones re-placed items can add.
                var inside = [Int32: Int32]()
                for p in ps { inside[domain[Int(assign[items[p]])], default: 0] += 1 }
                var kept = 0
                for d in 0..<nl where domainCount[g * nl + d] - (inside[Int32(d)] ?? 0) > 0 { kept += 1 }
                let need = Int(min(minDomains[g], domains[g])) - kept
                if need > 0 {
                    var addable: [Int32: [LinearProgram.Term]] = [:]
                    for p in ps {
                        for (c, h) in cands[p].enumerated() {
                            let d = domain[h]
                            if domainCount[g * nl + Int(d)] - (inside[d] ?? 0) == 0 { addable[d, default: []].append(.init(x[p][c], -1)) }
                        }
                    }
                    var ys: [LinearProgram.Term] = []
                    for (_, terms) in addable.sorted(by: { $0.key < $1.key }) {
                        let y = lp.addBinary()
                        ys.append(.init(y, 1))
                        lp.addConstraint([.init(y, 1)] + terms, .lessOrEqual, 0)
                    }
                    lp.addConstraint(ys, .greaterOrEqual, Double(need))
                }
            }
        }

        if hasDependencies {
            // Per neighbourhood involved: a group present there needs each group it depends on there.
            var zones = Set<Int32>()
            for h in hostSet { zones.insert(zone[h]) }
            var pairs = Set<[Int]>()
            for g in touched {
                for d in dependsOn[g] where Int(d) != g { pairs.insert([g, Int(d)]) }
                for t in dependents[g] { pairs.insert([Int(t), g]) }
            }
            func outside(_ grp: Int, _ z: Int32) -> Int32 {
                var c = zoneCount[grp * nz + Int(z)]
                for p in members[grp] ?? [] where zone[Int(assign[items[p]])] == z { c -= 1 }
                return c
            }
            func presence(_ grp: Int, _ z: Int32) -> [LinearProgram.Term] {
                var terms: [LinearProgram.Term] = []
                for p in members[grp] ?? [] { for (c, h) in cands[p].enumerated() where zone[h] == z { terms.append(.init(x[p][c], 1)) } }
                return terms
            }
            for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let g = pair[0], d = pair[1]
                for z in zones.sorted() where outside(d, z) == 0 {
                    let supply = presence(d, z)
                    if outside(g, z) > 0 {
                        lp.addConstraint(supply, .greaterOrEqual, 1)
                    } else {
                        let need = presence(g, z)
                        if need.isEmpty { continue }
                        let m = Double(need.count)
                        lp.addConstraint(need + supply.map { .init($0.variable, -m) }, .lessOrEqual, 0)
                    }
                }
            }
        }

        lp.setObjective(objective, constant: constant)
        // The current placement's value in this objective: only something strictly better is wanted.
        var now = constant
        for h in hostSet { now += Double(hostCost[h]) }
        for i in items {
            if assign[i] == initial[i] { now -= Double(itemMoveCost[i]) }
            now += Double(moveCost(Int(initial[i]), Int(assign[i])))
        }
        if weightGroupMove != 0 { now += Double(weightGroupMove) * Double(maxMoved) }
        // Used only if strictly cheaper and re-checked below. Unverified: lp_solve may now and then
        // stop at a worse answer (see SolveOptions.verifyOptimum), but the verifying re-solve costs
        // more search time than it wins (a2_1 at 60 s: one run with it gave 320, four without 208–233).
        let solution = lp.solve(SolveOptions(timeLimit: timeLimit, cutoff: now - 0.5, ceilingFirst: true, workLimit: workLimit,
                                             verifyOptimum: false))
        guard solution.hasSolution, let value = solution.objective, value < now - 0.5 else { return .unchanged }

        var log: [(Int32, Int32)] = []
        let before = current
        for (p, i) in items.enumerated() {
            guard let c = x[p].firstIndex(where: { solution.values[$0.index] > 0.5 }) else { undo(log); return .unchanged }
            let target = cands[p][c]
            if target != Int(assign[i]) {
                log.append((Int32(i), assign[i]))
                place(i, on: target)
            }
        }
        // The engine's counters must agree that the result is feasible and cheaper.
        var feasible = hostSet.allSatisfy { fits($0) }
        for g in touched where feasible {
            if distinct[g] { feasible = hostSet.allSatisfy { occupied[g * nh + $0] <= 1 } }
            if feasible && domains[g] < minDomains[g] { feasible = false }
            if feasible && hasDependencies { feasible = hostSet.allSatisfy { dependenciesHold(g, in: Int(zone[$0])) } }
        }
        if !feasible || current >= before {
            undo(log)
            return .unchanged
        }
        return .improved(current - before)
    }
}

