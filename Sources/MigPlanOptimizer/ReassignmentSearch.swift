import Foundation
import Logging
import MigPlanCPU
import MigPlanLP

extension ReassignmentModel {
    /// Searches for a cheaper assignment from `initial` (which must meet every hard constraint):
    /// late-acceptance hill climbing over shifts, swaps, moves back home and ejection chains, all
    /// evaluated incrementally, some walkers after best-improvement shift sweeps. `workers` walks run
    /// in parallel from derived seeds, in eight epochs; between epochs the short-history walkers take
    /// the best assignment found so far. With ``ReassignmentOptions/sizeWindows`` (by default on
    /// instances of at most 100,000 item × host pairs, without a move budget) the first 95 % of the walk
    /// time go to size-window descents (`ReassignmentEngine.windowSearch`): on even workers from the
    /// initial assignment; odd ones first walk for a fifth of the walk time, then run the windows from
    /// their best. The two kinds of instance need both: on a1_4 and a1_2 the walk settles within 15 s
    /// at costs the windows alone never reach (a1_4: 255 M against 267 M), and the windows then only
    /// polish it; on a2_2 / a2_3 / a2_5 the walk is far behind (901 / 1,407 / 379 M after 57 s against
    /// 736–773 / 1,244–1,310 / 320–323 M), and two window searches from different starts are a best of
    /// two over a wide spread. At the end, exact rounds (lp_solve MILPs over related moved
    /// items) send back home together the moves that no longer pay. The cheapest result (lowest worker
    /// index on ties) passes ``validate(_:maxViolations:)`` before it is returned.
    public func optimize(_ options: ReassignmentOptions = ReassignmentOptions(), logger: Logger? = nil)
        throws(MigPlanError) -> ReassignmentResult
    {
        let start = monotonicSeconds()
        if let problem = inconsistency() { throw .invalidInput(file: "reassignment model", line: nil, keyPath: nil, message: problem) }
        let (before, violations) = validate(initial)
        if !violations.isEmpty {
            throw .invalidInput(file: "reassignment model", line: nil, keyPath: "initial",
                                message: "the initial assignment breaks a hard constraint: " + violations.prefix(3).joined(separator: "; "))
        }
        let workers = max(1, options.workers)
        let deadline = start + max(0, options.timeLimit)
        // Time left at the end for the exact rounds of returns.
        let walkTime = max(0, options.timeLimit) * (options.exactReturns ? 0.95 : 1)
        // Workers walk in epochs; after each, a worker behind the best one adopts its assignment (the
        // walks differ in their start and acceptance history, so each explores from the best in its own
        // way). Epoch ends are fixed fractions of the time limit and of the move budget, so with a
        // budget and no binding clock the result is the same on every run.
        let epochs = 8
        // A late-acceptance walk converges in time proportional to its history: the long one is sized to
        // settle near the end of the run (measured: 10,000 suits 20 s, 30,000 suits 60 s on set A).
        let longHistory = options.moveBudget.map { min(100_000, max(1_000, $0 / 33_000)) }
            ?? min(100_000, max(1_000, Int(options.timeLimit * 500)))
        let engines = (0..<workers).map { _ in ReassignmentEngine(self) }
        let manyItems = items.count >= 20_000
        let budgeted = options.moveBudget != nil
        var rngs = (0..<workers).map { SplitMix64(seed: options.seed &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15) }
        var cut = [Bool](repeating: false, count: workers)
        var walkStart = start, walkSpan = walkTime
        // Whether every worker already started (the size windows' phase starts them all).
        var started = false
        let windows = options.sizeWindows ?? (!budgeted && items.count * hosts.count <= 100_000)
        if windows && hosts.count > 1 && !items.isEmpty {
            // Windows until 95 % of the walk time; odd workers walk until a fifth of it first.
            let until = start + walkTime * 0.95, switchAt = start + walkTime * 0.2
            let tries = max(5, min(300, Int(options.timeLimit * 5 / 3)))
            let streams = rngs
            rngs = concurrentMap(workers) { w in
                var r = streams[w]
                let e = engines[w]
                if w % 2 == 0 || workers == 1 {
                    _ = e.windowSearch(rng: &r, deadline: until, rearrangements: tries)
                } else {
                    _ = e.begin(rng: &r, deadline: switchAt, limit: Int.max, historyLength: longHistory, sweep: true)
                    _ = e.walk(rng: &r, deadline: switchAt, limit: Int.max)
                    e.moveTo(e.bestAssignment)
                    _ = e.windowSearch(rng: &r, deadline: until, rearrangements: tries)
                }
                e.restartHere()
                return r
            }
            started = true
            walkStart = monotonicSeconds()
            walkSpan = max(0, start + walkTime - walkStart)
            logger?.debug("size windows done", metadata: ["best": "\(engines.map(\.best))"])
        }
        for epoch in 0..<epochs {
            // With a budget, only the budget divides the run (the clock stays a hard stop for the whole).
            let epochDeadline = options.moveBudget != nil ? deadline : walkStart + walkSpan * Double(epoch + 1) / Double(epochs)
            let epochLimit = options.moveBudget.map { $0 * (epoch + 1) / epochs } ?? Int.max
            let streams = rngs
            let ran = concurrentMap(workers) { w -> (timeUp: Bool, rng: SplitMix64) in
                let e = engines[w]
                var r = streams[w]
                var timeUp = false
                if epoch == 0 && !started {
                    // Odd walkers start after best-improvement sweeps, with a long history; even ones
                    // with a short history, and from the initial assignment itself where there are
                    // few enough items for the walk to reach each many times (measured at 20 s:
                    // b_01 3.67 → 3.48 G, a2_2 882 → 812 M; with 50,000 items, b_03 and b_05 were
                    // 1–6 % worse without the sweeps).
                    let sweep = w % 2 == 1 || manyItems
                    timeUp = e.begin(rng: &r, deadline: epochDeadline, limit: epochLimit,
                                        historyLength: w % 2 == 0 ? 1_000 : longHistory, sweep: sweep)
                }
                if !timeUp && options.exactReturns && w % 2 == 0 && epoch >= epochs / 2 && e.returnsPay {
                    // In the second half, short-history walkers first send home, in exact rounds, the
                    // moves of their best assignment that no longer pay (1 % of the walk time each),
                    // for as long as that gains faster than their walk did in the epoch before.
                    if !e.currentIsBest { e.adopt(e.bestAssignment) }
                    let t0 = monotonicSeconds(), c0 = e.current
                    let stop = budgeted ? deadline : min(epochDeadline, t0 + walkSpan * 0.01)
                    e.returnRounds(rng: &r, until: stop, budgetRounds: budgeted ? 3 : nil)
                    e.restartHere()
                    let rate = Double(c0 - e.current) / max(1e-6, monotonicSeconds() - t0)
                    if !budgeted && rate < e.walkRate { e.returnsPay = false }
                }
                let t0 = monotonicSeconds(), b0 = e.best
                if !timeUp { timeUp = e.walk(rng: &r, deadline: epochDeadline, limit: epochLimit) }
                e.walkRate = Double(b0 - e.best) / max(1e-6, monotonicSeconds() - t0)
                return (timeUp, r)
            }
            rngs = ran.map(\.rng)
            for w in 0..<workers where ran[w].timeUp { cut[w] = true }
            logger?.debug("reassignment epoch done", metadata: [
                "epoch": "\(epoch)", "best": "\(engines.map(\.best))"])
            if epoch < epochs - 1 {
                let leader = (0..<workers).min { (engines[$0].best, $0) < (engines[$1].best, $1) }!
                let target = engines[leader].bestAssignment
                // Long-history walkers keep their own slow descent (restarting one fills its history with the
                // current cost, which would cool it at once); short ones take the leader's assignment.
                for w in 0..<workers where w % 2 == 0 && w != leader && engines[w].best > engines[leader].best { engines[w].adopt(target) }
            }
        }
        if options.exactReturns {
            // The last part of the run: each walker's best, with moves that no longer pay sent home in
            // exact rounds (budgeted runs: a fixed number of rounds, each with a deterministic work limit).
            let streams = rngs
            _ = concurrentMap(workers) { w in
                var r = streams[w]
                let e = engines[w]
                e.adopt(e.bestAssignment)
                e.returnRounds(rng: &r, until: deadline, budgetRounds: budgeted ? 10 : nil)
            }
        }
        var outcomes = engines.map(\.outcome)
        for w in 0..<workers { outcomes[w].cutByClock = cut[w] }
        let all = outcomes
        var best = 0
        for w in 1..<all.count where all[w].cost < all[best].cost { best = w }
        let chosen = all[best]
        let (after, broken) = validate(chosen.assignment)
        if !broken.isEmpty || after.total != chosen.cost {
            logger?.error("reassignment search returned an assignment the validator rejects: a bug",
                          metadata: ["violations": "\(broken)", "search": "\(chosen.cost)", "validator": "\(after.total)"])
            throw .invalidInput(file: "migplan (internal check)", line: nil, keyPath: nil,
                                message: "the search's assignment failed validation (a bug): " + (broken.first ?? "cost \(chosen.cost) ≠ \(after.total)"))
        }
        let moved = zip(chosen.assignment, initial).filter { $0 != $1 }.count
        logger?.info("reassignment search done", metadata: [
            "before": "\(before.total)", "after": "\(after.total)", "moved": "\(moved)",
            "evaluated": "\(all.map(\.evaluated).reduce(0, +))"])
        return ReassignmentResult(
            assignment: chosen.assignment, before: before, after: after, moved: moved,
            status: all.contains(where: \.cutByClock) ? .timeLimit : .completed, seconds: monotonicSeconds() - start,
            evaluated: all.map(\.evaluated).reduce(0, +), applied: all.map(\.applied).reduce(0, +))
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform for a seed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0), by multiply-shift.
    mutating func below(_ n: Int) -> Int { Int((UInt128(next()) &* UInt128(n)) >> 64) }
}

/// One search's incremental state: usage, held transient amounts, per-host cost, and the group
/// counters the hard constraints need, in flat buffers. Not shared between threads.
final class ReassignmentEngine {
    struct Outcome {
        var assignment: [Int]
        var cost: Int64
        var evaluated: Int
        var applied: Int
        var cutByClock: Bool
    }

    let nh: Int, nr: Int, ni: Int, ng: Int, nl: Int, nz: Int
    // Flat buffers (allocated once, freed in deinit): no bounds or exclusivity checks in the inner loops.
    let cap: UnsafeMutablePointer<Int64>, safety: UnsafeMutablePointer<Int64>, loadWeight: UnsafeMutablePointer<Int64>
    let transient: UnsafeMutablePointer<Bool>
    let balances: [ReassignmentModel.Balance]
    let demand: UnsafeMutablePointer<Int64>
    let group: UnsafeMutablePointer<Int32>, initial: UnsafeMutablePointer<Int32>, itemMoveCost: UnsafeMutablePointer<Int64>
    let domain: UnsafeMutablePointer<Int32>, zone: UnsafeMutablePointer<Int32>
    let hostMove: UnsafeMutablePointer<Int32>, weightHostMove: Int64, weightGroupMove: Int64
    let distinct: UnsafeMutablePointer<Bool>, minDomains: UnsafeMutablePointer<Int32>
    let dependsOn: [[Int32]], dependents: [[Int32]]
    let hasDependencies: Bool

    let assign: UnsafeMutablePointer<Int32>
    let usage: UnsafeMutablePointer<Int64>, held: UnsafeMutablePointer<Int64>, hostCost: UnsafeMutablePointer<Int64>
    let occupied: UnsafeMutablePointer<UInt8>
    let domainCount: UnsafeMutablePointer<Int32>, domains: UnsafeMutablePointer<Int32>
    let zoneCount: UnsafeMutablePointer<Int32>
    let moved: UnsafeMutablePointer<Int32>, movedHistogram: UnsafeMutablePointer<Int32>
    var maxMoved: Int32
    private var buffers: [UnsafeMutableRawPointer] = []
    var current: Int64
    /// Items on each host, and each item's index in its host's list.
    var hostItems: [[Int32]]
    let slot: UnsafeMutablePointer<Int32>
    /// Hosts whose cost is above zero, and each host's index in that list (-1 when absent).
    var costly: [Int32]
    let costlySlot: UnsafeMutablePointer<Int32>
    let scratchA: UnsafeMutablePointer<Int64>, scratchB: UnsafeMutablePointer<Int64>
    /// A fresh stamp whenever a host's items change (from one clock, so a stamp never repeats and a
    /// host restored to an earlier state may take its earlier stamp back): for cached per-host figures.
    let hostVersion: UnsafeMutablePointer<UInt64>
    var versionClock: UInt64 = 1
    /// Cost change of each host taking each item (`Int64.max`: does not fit), valid while the host's
    /// version matches the stamp; allocated by ``prepareArrivalCache()``. Item-major (entry
    /// `e * nh + h`), figure and stamp side by side: a search over every host for one item reads one
    /// contiguous run (host-major, each read missed the cache: a third of the samples in the
    /// best-host search of a rearrangement).
    struct Arrival { var delta: Int64; var stamp: UInt64 }
    var arrivals: UnsafeMutablePointer<Arrival>? = nil

    private static func buffer<T>(_ values: [T], into list: inout [UnsafeMutableRawPointer]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
        p.initialize(from: values, count: values.count)
        list.append(UnsafeMutableRawPointer(p))
        return p
    }

    deinit { for b in buffers { b.deallocate() } }

    /// Allocates the arrival cache (once).
    func prepareArrivalCache() {
        if arrivals != nil { return }
        arrivals = Self.buffer([Arrival](repeating: Arrival(delta: 0, stamp: 0), count: nh * ni), into: &buffers)
    }

    /// Marks every host's cached figures stale (after the cost weights change).
    func invalidateHosts() { for h in 0..<nh { versionClock += 1; hostVersion[h] = versionClock } }

    init(_ model: ReassignmentModel) {
        nh = model.hosts.count
        nr = model.resources.count
        ni = model.items.count
        ng = model.groups.count
        nl = max(1, model.faultDomainCount)
        nz = max(1, model.neighbourhoodCount)
        var list: [UnsafeMutableRawPointer] = []
        cap = Self.buffer(model.hosts.flatMap(\.capacity), into: &list)
        safety = Self.buffer(model.hosts.flatMap(\.safetyCapacity), into: &list)
        loadWeight = Self.buffer(model.resources.map(\.loadCostWeight), into: &list)
        transient = Self.buffer(model.resources.map(\.transient), into: &list)
        balances = model.balances
        demand = Self.buffer(model.items.flatMap(\.demand), into: &list)
        group = Self.buffer(model.items.map { Int32($0.group) }, into: &list)
        initial = Self.buffer(model.initial.map { Int32($0) }, into: &list)
        itemMoveCost = Self.buffer(model.items.map { model.weightItemMove * $0.moveCost }, into: &list)
        domain = Self.buffer(model.hosts.map { Int32($0.faultDomain) }, into: &list)
        zone = Self.buffer(model.hosts.map { Int32($0.neighbourhood) }, into: &list)
        hostMove = Self.buffer(model.hostMoveCost, into: &list)
        weightHostMove = model.hostMoveCost.isEmpty ? 0 : model.weightHostMove
        weightGroupMove = model.weightGroupMove
        distinct = Self.buffer(model.groups.map(\.distinctHosts), into: &list)
        minDomains = Self.buffer(model.groups.map { Int32($0.minFaultDomains) }, into: &list)
        dependsOn = model.groups.map { $0.dependsOn.map(Int32.init) }
        var back = [[Int32]](repeating: [], count: model.groups.count)
        for (g, grp) in model.groups.enumerated() { for d in grp.dependsOn where d != g { back[d].append(Int32(g)) } }
        dependents = back
        hasDependencies = model.groups.contains { !$0.dependsOn.isEmpty }
        var groupSize = [Int](repeating: 0, count: model.groups.count)
        for item in model.items { groupSize[item.group] += 1 }

        assign = Self.buffer(model.initial.map { Int32($0) }, into: &list)
        usage = Self.buffer([Int64](repeating: 0, count: nh * nr), into: &list)
        held = Self.buffer([Int64](repeating: 0, count: nh * nr), into: &list)
        hostCost = Self.buffer([Int64](repeating: 0, count: nh), into: &list)
        occupied = Self.buffer([UInt8](repeating: 0, count: model.groups.contains(where: \.distinctHosts) ? ng * nh : 0), into: &list)
        domainCount = Self.buffer([Int32](repeating: 0, count: ng * nl), into: &list)
        domains = Self.buffer([Int32](repeating: 0, count: ng), into: &list)
        zoneCount = Self.buffer([Int32](repeating: 0, count: ng * nz), into: &list)
        moved = Self.buffer([Int32](repeating: 0, count: ng), into: &list)
        var histogram = [Int32](repeating: 0, count: (groupSize.max() ?? 0) + 2)
        histogram[0] = Int32(ng)
        movedHistogram = Self.buffer(histogram, into: &list)
        maxMoved = 0
        current = 0
        scratchA = Self.buffer([Int64](repeating: 0, count: nr), into: &list)
        scratchB = Self.buffer([Int64](repeating: 0, count: nr), into: &list)
        hostVersion = Self.buffer([UInt64](repeating: 1, count: nh), into: &list)
        var onHost = [[Int32]](repeating: [], count: nh)
        var slots = [Int32](repeating: 0, count: ni)
        for i in 0..<ni {
            slots[i] = Int32(onHost[model.initial[i]].count)
            onHost[model.initial[i]].append(Int32(i))
        }
        hostItems = onHost
        slot = Self.buffer(slots, into: &list)
        costly = []
        costlySlot = Self.buffer([Int32](repeating: -1, count: nh), into: &list)
        buffers = list
        for i in 0..<ni {
            let h = Int(assign[i]), g = Int(group[i])
            for r in 0..<nr {
                usage[h * nr + r] += demand[i * nr + r]
                held[h * nr + r] += demand[i * nr + r]
            }
            if distinct[g] { occupied[g * nh + h] &+= 1 }
            if domainCount[g * nl + Int(domain[h])] == 0 { domains[g] += 1 }
            domainCount[g * nl + Int(domain[h])] += 1
            zoneCount[g * nz + Int(zone[h])] += 1
        }
        for h in 0..<nh {
            hostCost[h] = costOf(host: h, usage: usage + h * nr)
            current += hostCost[h]
            noteCost(h)
        }
    }

    /// Keeps `costly` in step with `hostCost[h]`.
    @inline(__always)
    func noteCost(_ h: Int) {
        let listed = costlySlot[h] >= 0
        if hostCost[h] > 0 && !listed {
            costlySlot[h] = Int32(costly.count)
            costly.append(Int32(h))
        } else if hostCost[h] == 0 && listed {
            let k = Int(costlySlot[h]), last = Int(costly[costly.count - 1])
            costly[k] = Int32(last)
            costlySlot[last] = Int32(k)
            costly.removeLast()
            costlySlot[h] = -1
        }
    }

    @inline(__always)
    func costOf(host h: Int, usage u: UnsafePointer<Int64>) -> Int64 {
        var c: Int64 = 0
        let base = h * nr
        for r in 0..<nr {
            let over = u[r] - safety[base + r]
            if over > 0 { c += loadWeight[r] * over }
        }
        for b in balances {
            let v = b.target * (cap[base + b.resource1] - u[b.resource1]) - (cap[base + b.resource2] - u[b.resource2])
            if v > 0 { c += b.weight * v }
        }
        return c
    }

    @inline(__always)
    func moveCost(_ from: Int, _ to: Int) -> Int64 {
        weightHostMove == 0 ? 0 : weightHostMove * Int64(hostMove[from * nh + to])
    }

    /// The spread rule after one item of `g` leaves domain `from` for `to` (nothing else changing in g).
    @inline(__always)
    func spreadHolds(_ g: Int, from: Int32, to: Int32) -> Bool {
        if from == to || minDomains[g] == 0 { return true }
        var n = domains[g]
        if domainCount[g * nl + Int(from)] == 1 { n -= 1 }
        if domainCount[g * nl + Int(to)] == 0 { n += 1 }
        return n >= minDomains[g] || n >= domains[g]
    }

    /// Dependencies of and on `g` in neighbourhood `z`, on the counters as they stand.
    @inline(__always)
    func dependenciesHold(_ g: Int, in z: Int) -> Bool {
        if zoneCount[g * nz + z] > 0 {
            for d in dependsOn[g] where Int(d) != g && zoneCount[Int(d) * nz + z] == 0 { return false }
        } else {
            for t in dependents[g] where zoneCount[Int(t) * nz + z] > 0 { return false }
        }
        return true
    }

    @inline(__always)
    func adjustMoved(_ g: Int, by delta: Int32) {
        movedHistogram[Int(moved[g])] -= 1
        moved[g] += delta
        movedHistogram[Int(moved[g])] += 1
        if moved[g] > maxMoved { maxMoved = moved[g] }
        while maxMoved > 0 && movedHistogram[Int(maxMoved)] == 0 { maxMoved -= 1 }
    }

    /// Cost change of moving item `i` to host `b`, or nil if a hard constraint forbids it.
    func evaluateShift(_ i: Int, to b: Int, checkCapacity: Bool = true) -> Int64? {
        let a = Int(assign[i]), o = Int(initial[i]), g = Int(group[i])
        if a == b { return nil }
        if distinct[g] && occupied[g * nh + b] != 0 { return nil }
        let feasible = { () -> Bool in
            do {
                let ua = self.scratchA, ub = self.scratchB
                let di = i * nr, ba = a * nr, bb = b * nr
                for r in 0..<nr {
                    let d = demand[di + r]
                    let nu = usage[bb + r] + d
                    if !checkCapacity {
                    } else if transient[r] {
                        if b != o && held[bb + r] + d > cap[bb + r] { return false }
                    } else if nu > cap[bb + r] { return false }
                    ub[r] = nu
                    ua[r] = usage[ba + r] - d
                }
                return true
            }
        }()
        if !feasible || !shiftKeepsGroupRules(i, from: a, to: b) { return nil }
        let delta = costOf(host: a, usage: scratchA) - hostCost[a] + costOf(host: b, usage: scratchB) - hostCost[b]
        return delta + shiftMoveCost(i, from: a, to: b)
    }

    /// Spread and dependencies after item `i` goes from host `a` to `b` (the group rules a single shift
    /// can break besides distinct hosts).
    @inline(__always)
    func shiftKeepsGroupRules(_ i: Int, from a: Int, to b: Int) -> Bool {
        let g = Int(group[i])
        if !spreadHolds(g, from: domain[a], to: domain[b]) { return false }
        let za = Int(zone[a]), zb = Int(zone[b])
        if hasDependencies && za != zb {
            if zoneCount[g * nz + za] == 1 {
                for t in dependents[g] where zoneCount[Int(t) * nz + za] > 0 { return false }
            }
            if zoneCount[g * nz + zb] == 0 {
                for d in dependsOn[g] where Int(d) != g && zoneCount[Int(d) * nz + zb] == 0 { return false }
            }
        }
        return true
    }

    /// Change of the move costs (the item's own, its group's largest moved count, host to host) when
    /// item `i` goes from host `a` to `b`.
    @inline(__always)
    func shiftMoveCost(_ i: Int, from a: Int, to b: Int) -> Int64 {
        let o = Int(initial[i]), g = Int(group[i])
        var delta: Int64 = 0
        let was = a != o, will = b != o
        if was != will {
            delta += will ? itemMoveCost[i] : -itemMoveCost[i]
            if weightGroupMove != 0 {
                let newMax = will ? max(maxMoved, moved[g] + 1)
                    : (moved[g] == maxMoved && movedHistogram[Int(maxMoved)] == 1 ? maxMoved - 1 : maxMoved)
                delta += weightGroupMove * Int64(newMax - maxMoved)
            }
        }
        if weightHostMove != 0 { delta += moveCost(o, b) - moveCost(o, a) }
        return delta
    }

    /// Cost change of exchanging the hosts of items `i` and `j`, or nil if a hard constraint forbids it.
    func evaluateSwap(_ i: Int, _ j: Int) -> Int64? {
        let a = Int(assign[i]), b = Int(assign[j])
        if a == b { return nil }
        let gi = Int(group[i]), gj = Int(group[j]), oi = Int(initial[i]), oj = Int(initial[j])
        if gi != gj {
            if distinct[gi] && occupied[gi * nh + b] != 0 { return nil }
            if distinct[gj] && occupied[gj * nh + a] != 0 { return nil }
        }
        let feasible = { () -> Bool in
            do {
                let ua = self.scratchA, ub = self.scratchB
                let bi = i * nr, bj = j * nr, ba = a * nr, bb = b * nr
                for r in 0..<nr {
                    let di = demand[bi + r], dj = demand[bj + r]
                    let na = usage[ba + r] - di + dj, nb = usage[bb + r] - dj + di
                    if transient[r] {
                        let ha = held[ba + r] - (a != oi ? di : 0) + (a != oj ? dj : 0)
                        let hb = held[bb + r] - (b != oj ? dj : 0) + (b != oi ? di : 0)
                        if ha > cap[ba + r] || hb > cap[bb + r] { return false }
                    } else if na > cap[ba + r] || nb > cap[bb + r] { return false }
                    ua[r] = na
                    ub[r] = nb
                }
                return true
            }
        }()
        if !feasible { return nil }
        if gi != gj {
            if !spreadHolds(gi, from: domain[a], to: domain[b]) || !spreadHolds(gj, from: domain[b], to: domain[a]) { return nil }
            let za = Int(zone[a]), zb = Int(zone[b])
            if hasDependencies && za != zb {
                zoneCount[gi * nz + za] -= 1; zoneCount[gi * nz + zb] += 1
                zoneCount[gj * nz + zb] -= 1; zoneCount[gj * nz + za] += 1
                let holds = dependenciesHold(gi, in: za) && dependenciesHold(gi, in: zb)
                    && dependenciesHold(gj, in: za) && dependenciesHold(gj, in: zb)
                zoneCount[gi * nz + za] += 1; zoneCount[gi * nz + zb] -= 1
                zoneCount[gj * nz + zb] += 1; zoneCount[gj * nz + za] -= 1
                if !holds { return nil }
            }
        }
        var delta = costOf(host: a, usage: scratchA) - hostCost[a]
        delta += costOf(host: b, usage: scratchB) - hostCost[b]
        let ci: Int32 = (b != oi ? 1 : 0) - (a != oi ? 1 : 0), cj: Int32 = (a != oj ? 1 : 0) - (b != oj ? 1 : 0)
        delta += Int64(ci) * itemMoveCost[i] + Int64(cj) * itemMoveCost[j]
        if weightGroupMove != 0 && (ci != 0 || cj != 0) {
            let old = maxMoved
            if ci != 0 { adjustMoved(gi, by: ci) }
            if cj != 0 { adjustMoved(gj, by: cj) }
            let new = maxMoved
            if cj != 0 { adjustMoved(gj, by: -cj) }
            if ci != 0 { adjustMoved(gi, by: -ci) }
            delta += weightGroupMove * Int64(new - old)
        }
        if weightHostMove != 0 { delta += moveCost(oi, b) - moveCost(oi, a) + moveCost(oj, a) - moveCost(oj, b) }
        return delta
    }

    /// Moves item `i` to host `b`, updating every counter; no checks (callers evaluated the move).
    func place(_ i: Int, on b: Int) {
        let a = Int(assign[i]), o = Int(initial[i]), g = Int(group[i])
        let di = i * nr, ba = a * nr, bb = b * nr
        for r in 0..<nr {
            let d = demand[di + r]
            usage[ba + r] -= d
            usage[bb + r] += d
            if a != o { held[ba + r] -= d }
            if b != o { held[bb + r] += d }
        }
        current -= hostCost[a] + hostCost[b]
        hostCost[a] = costOf(host: a, usage: usage + ba)
        hostCost[b] = costOf(host: b, usage: usage + bb)
        current += hostCost[a] + hostCost[b]
        noteCost(a)
        noteCost(b)
        let k = Int(slot[i]), last = hostItems[a][hostItems[a].count - 1]
        hostItems[a][k] = last
        slot[Int(last)] = Int32(k)
        hostItems[a].removeLast()
        slot[i] = Int32(hostItems[b].count)
        hostItems[b].append(Int32(i))
        versionClock &+= 2
        hostVersion[a] = versionClock - 1
        hostVersion[b] = versionClock
        if distinct[g] { occupied[g * nh + a] &-= 1; occupied[g * nh + b] &+= 1 }
        let la = Int(domain[a]), lb = Int(domain[b])
        if la != lb {
            domainCount[g * nl + la] -= 1
            if domainCount[g * nl + la] == 0 { domains[g] -= 1 }
            if domainCount[g * nl + lb] == 0 { domains[g] += 1 }
            domainCount[g * nl + lb] += 1
        }
        zoneCount[g * nz + Int(zone[a])] -= 1
        zoneCount[g * nz + Int(zone[b])] += 1
        let was = a != o, will = b != o
        if was != will {
            current += will ? itemMoveCost[i] : -itemMoveCost[i]
            let old = maxMoved
            adjustMoved(g, by: will ? 1 : -1)
            current += weightGroupMove * Int64(maxMoved - old)
        }
        if weightHostMove != 0 { current += moveCost(o, b) - moveCost(o, a) }
        assign[i] = Int32(b)
    }

    /// Whether host `h` is within capacity (transient resources: what it holds during the moves).
    func fits(_ h: Int) -> Bool {
        for r in 0..<nr where (transient[r] ? held[h * nr + r] : usage[h * nr + r]) > cap[h * nr + r] { return false }
        return true
    }

    /// An ejection chain: item `i` goes to host `b` even if it does not fit, then items on `b` leave for
    /// their cheapest feasible hosts until `b` fits again (a big item displacing several small ones, which
    /// single shifts and swaps cannot do). Returns the cost change, the chain in `log` (item, previous
    /// host) for ``undo(_:)``, or nil (state unchanged) when no chain of at most `maxLength` moves works.
    func eject(_ i: Int, to b: Int, rng: inout SplitMix64, log: inout [(Int32, Int32)], maxLength: Int = 8) -> Int64? {
        guard evaluateShift(i, to: b, checkCapacity: false) != nil else { return nil }
        let start = current
        log.removeAll(keepingCapacity: true)
        log.append((Int32(i), assign[i]))
        place(i, on: b)
        while !fits(b) {
            if log.count > maxLength { undo(log); return nil }
            let onHost = hostItems[b]
            var bestDelta = Int64.max, bestItem = -1, bestHost = -1
            let tries = min(onHost.count, 6)
            for t in 0..<tries {
                let k = onHost.count <= 6 ? t : rng.below(onHost.count)
                let e = Int(onHost[k])
                if e == i { continue }
                for h in 0..<nh where h != b {
                    if let d = evaluateShift(e, to: h), d < bestDelta { bestDelta = d; bestItem = e; bestHost = h }
                }
            }
            if bestItem < 0 { undo(log); return nil }
            log.append((Int32(bestItem), Int32(b)))
            place(bestItem, on: bestHost)
        }
        return current - start
    }

    func undo(_ log: [(Int32, Int32)]) {
        for (item, host) in log.reversed() { place(Int(item), on: Int(host)) }
    }

    func snapshot() -> [Int32] { Array(UnsafeBufferPointer(start: assign, count: ni)) }

    /// Best-improvement shift of each item over every host, repeated while a sweep improves.
    func descend(order: [Int], deadline: Double, limit: Int, evaluated: inout Int, applied: inout Int) -> Bool {
        var improved = true
        while improved {
            improved = false
            for (k, i) in order.enumerated() {
                if k & 0x3F == 0 && monotonicSeconds() >= deadline { return true }
                if evaluated >= limit { return false }
                var best: Int64 = 0, target = -1
                for h in 0..<nh {
                    guard let d = evaluateShift(i, to: h) else { continue }
                    if d < best { best = d; target = h }
                }
                evaluated += nh
                if target >= 0 {
                    place(i, on: target)
                    applied += 1
                    improved = true
                }
            }
        }
        return false
    }

    // MARK: - The walk: late-acceptance hill climbing, resumable across epochs

    var historyLength = 1_000
    var history: [Int64] = []
    var best: Int64 = 0
    var bestAssign: [Int32] = []
    var currentIsBest = true
    var evaluated = 0, applied = 0, accepted = 0, step = 0
    var chain: [(Int32, Int32)] = []
    /// Cost the walk removed per second in its last epoch, and whether exact return rounds still gain
    /// faster than that (wall-clock runs stop them once they do not).
    var walkRate: Double = 0
    var returnsPay = true

    /// Starts the walk from the current state, after best-improvement sweeps if `sweep`.
    /// Returns true if the clock ran out.
    func begin(rng: inout SplitMix64, deadline: Double, limit: Int, historyLength: Int, sweep: Bool) -> Bool {
        var order = Array(0..<ni)
        for k in stride(from: ni - 1, to: 0, by: -1) { order.swapAt(k, rng.below(k + 1)) }
        let cut = sweep ? descend(order: order, deadline: deadline, limit: limit, evaluated: &evaluated, applied: &applied) : false
        self.historyLength = historyLength
        // The history starts at the swept cost, not the initial one: measured on the ROADEF set, a walk
        // allowed to climb back to the initial cost loses the sweeps' work on large instances.
        restartHere()
        return cut
    }

    /// The current state becomes the best and fills the acceptance history.
    func restartHere() {
        best = current
        bestAssign = snapshot()
        currentIsBest = true
        history = [Int64](repeating: current, count: historyLength)
    }

    /// Moves the state to `target` (another worker's best) and walks on from there.
    func adopt(_ target: [Int32]) {
        moveTo(target)
        restartHere()
    }

    /// The cheapest assignment this walk has seen.
    var bestAssignment: [Int32] { currentIsBest ? snapshot() : bestAssign }

    var outcome: Outcome {
        Outcome(assignment: bestAssignment.map(Int.init), cost: best, evaluated: evaluated, applied: applied, cutByClock: false)
    }

    /// Late-acceptance hill climbing (Burke & Bykov) until `deadline` or `limit` evaluated moves: a
    /// candidate is taken when it is no worse than the current cost or than the cost `historyLength`
    /// accepted steps ago. Candidates: random shifts and swaps, mostly; sometimes the best shift of an
    /// item over all hosts or its best swap with one host's items; moves from hosts that cost; moves
    /// back to the initial host; and ejection chains. Returns true if the clock ran out.
    func walk(rng: inout SplitMix64, deadline: Double, limit: Int) -> Bool {
        let greedyPercent = 5
        guard ni > 0 && nh > 1 else { return false }
        while evaluated < limit {
            if step & 0xFF == 0 && monotonicSeconds() >= deadline { return true }
            evaluated += 1
            step += 1
            // Move kinds: a random shift or swap; the same from an item on a host that costs (where the
            // load is); or an item back to its initial host (undoing a move that no longer pays).
            let kind = rng.below(20)
            var i = rng.below(ni)
            var chainTarget = -1
            if kind >= 12 && kind < 18 && !costly.isEmpty {
                let items = hostItems[Int(costly[rng.below(costly.count)])]
                if !items.isEmpty { i = Int(items[rng.below(items.count)]) }
                // Now and then, an ejection chain from a costly host.
                if step & 0xFF == 0 { chainTarget = rng.below(nh) }
            } else if kind >= 18 && step & 0x1F == 0 && assign[i] != initial[i] {
                // Or back home, displacing what took its place.
                chainTarget = Int(initial[i])
            }
            if chainTarget >= 0 {
                if currentIsBest { bestAssign = snapshot(); currentIsBest = false }
                let was = current
                if let delta = eject(i, to: chainTarget, rng: &rng, log: &chain) {
                    let slot = accepted % historyLength
                    accepted += 1
                    if delta <= 0 || was + delta <= history[slot] {
                        applied += 1
                        if current <= best { best = current; currentIsBest = true }
                    } else {
                        undo(chain)
                    }
                    history[slot] = current
                }
                continue
            }
            let delta: Int64?
            var j = -1, h = -1
            if kind >= 18 {
                h = Int(initial[i])
                delta = evaluateShift(i, to: h)
            } else if rng.below(100) >= greedyPercent {
                if kind & 1 == 0 {
                    h = rng.below(nh)
                    delta = evaluateShift(i, to: h)
                } else {
                    j = rng.below(ni)
                    delta = evaluateSwap(i, j)
                }
            } else if kind & 1 == 0 {
                // The best shift of i over every host.
                var bestDelta: Int64? = nil
                for t in 0..<nh {
                    if let d = evaluateShift(i, to: t), bestDelta == nil || d < bestDelta! { bestDelta = d; h = t }
                }
                evaluated += nh
                delta = bestDelta
            } else {
                // The best swap of i with the items of one random host.
                let other = rng.below(nh)
                var bestDelta: Int64? = nil
                for e in hostItems[other] {
                    if let d = evaluateSwap(i, Int(e)), bestDelta == nil || d < bestDelta! { bestDelta = d; j = Int(e) }
                }
                evaluated += hostItems[other].count
                delta = bestDelta
            }
            guard let delta else { continue }
            let slot = accepted % historyLength
            accepted += 1
            if delta <= 0 || current + delta <= history[slot] {
                if delta > 0 && currentIsBest { bestAssign = snapshot(); currentIsBest = false }
                if j >= 0 {
                    let a = Int(assign[i]), b = Int(assign[j])
                    place(i, on: b)
                    place(j, on: a)
                } else {
                    place(i, on: h)
                }
                applied += 1
                if current < best || (current == best && currentIsBest) { best = current; currentIsBest = true }
            }
            history[slot] = current
        }
        return false
    }
}
