import Foundation
import MigPlanLP

/// Size-window descents for instances with few items per host pair (the ROADEF set-A sizes): the
/// scheme the 2012 challenge winners (team S41: Gavranović, Buljubašić, Demirović) described, written
/// here on the engine's incremental state. Items are ranked by size, largest first; the search works
/// on a window of the largest items that grows in steps (the small items, left where they are, fill
/// what the large ones leave), with strict descents only:
/// - big-item rearrangements: an item of the window goes to a host even where it does not fit, the
///   items of that host then leave for their best hosts, first only where that pays, then until the
///   host fits again; kept only if feasible and cheaper;
/// - shift and swap descents over the window, a random improving move at a time;
/// - kicks by reweighting: the descents are repeated with every load cost but one resource's divided
///   by ten (resources ranked by how far their load cost is above its lower bound), which moves the
///   assignment to a nearby basin, then with the true weights again;
/// - a small beam: several results of the first window, from different seeds, each carried to the
///   next window, keeping the cheapest few at every stage.
///
/// The rearrangements are most of the time (about 80 % in a profile of a2_2): each try evaluates
/// every item of the host over every host. Three things keep them affordable: an arrival cache (the
/// cost change of each host taking each item, stamped with the host's version and recomputed only
/// after the host changed; a try that is undone gives its hosts their stamps back, so the cache hits
/// about 94 % of the time instead of 30 %), laid out item by item so that one item's search over the
/// hosts reads memory in order; the group rules checked only for a host that would be the best so
/// far; and, without balance costs, a bound that skips tries that cannot pay. (The layout and the
/// late group rules: 12–25 % more evaluations in the same time on a2_2 / a2_3, single worker.) More
/// rearrangements per window step pay off where time allows (a2_2/a2_3/a2_5 at 60 s: 20 per step
/// 794 M / –, 40: 777–800 / 1,273 / 333 M, 100: 770 / 1,268 / 319 M, single runs; the spread between
/// runs of one setting is as large, 767–815 M on a2_2 over seeds).
extension ReassignmentEngine {
    /// State of one worker's window search.
    struct WindowSearch {
        /// Items largest first, and each item's place in that order.
        var order: [Int32]
        var rank: [Int32]
        /// The model's load cost weights (restored after each kick).
        var originalWeights: [Int64]
        /// The cheapest assignment seen under the true weights.
        var best: Int64
        var bestAssign: [Int32]
        var deadline: Double
        /// Scratch: hosts in random order; a rearrangement's moves (item, previous host) for undoing
        /// it; the hosts' stamps before it.
        var hostOrder: [Int]
        var moveLog: [(Int32, Int32)] = []
        var savedVersions: [UInt64] = []
        /// Whether the load weights are a kick's (costs then are not the model's).
        var weighted = false
        /// Rearrangement tries per window step.
        var rearrangementsPerStep: Int
        /// Per resource, the load cost no assignment avoids (total demand above total safety capacity).
        var lowerBounds: [Int64]
    }

    func makeWindowSearch(deadline: Double, rearrangementsPerStep: Int = 300) -> WindowSearch {
        var size = [Int64](repeating: 0, count: ni)
        for i in 0..<ni { for r in 0..<nr { size[i] += demand[i * nr + r] } }
        var lowerBounds = [Int64](repeating: 0, count: nr)
        for r in 0..<nr {
            var need: Int64 = 0, room: Int64 = 0
            for i in 0..<ni { need += demand[i * nr + r] }
            for h in 0..<nh { room += safety[h * nr + r] }
            lowerBounds[r] = max(0, need - room) * loadWeight[r]
        }
        let order = (0..<ni).sorted { (size[$0], $1) > (size[$1], $0) }.map(Int32.init)
        var rank = [Int32](repeating: 0, count: ni)
        for (k, i) in order.enumerated() { rank[Int(i)] = Int32(k) }
        return WindowSearch(order: order, rank: rank, originalWeights: (0..<nr).map { loadWeight[$0] },
                            best: current, bestAssign: snapshot(), deadline: deadline, hostOrder: Array(0..<nh),
                            rearrangementsPerStep: rearrangementsPerStep, lowerBounds: lowerBounds)
    }

    /// Rewrites the load cost weights and every cost that depends on them.
    func setLoadWeights(_ weights: [Int64]) {
        for r in 0..<nr { loadWeight[r] = weights[r] }
        invalidateHosts()
        for h in 0..<nh {
            current -= hostCost[h]
            hostCost[h] = costOf(host: h, usage: usage + h * nr)
            current += hostCost[h]
            noteCost(h)
        }
    }

    /// Records the current assignment if it is the cheapest seen under the true weights.
    func noteBest(_ s: inout WindowSearch) {
        if !s.weighted && current < s.best { s.best = current; s.bestAssign = snapshot() }
    }

    /// Moves the state to `target`.
    func moveTo(_ target: [Int32]) {
        for i in 0..<ni where assign[i] != target[i] { place(i, on: Int(target[i])) }
    }

    /// Improving shifts of the window's items, a random one at a time, until none is left.
    func shiftDescent(_ s: inout WindowSearch, window: Int, rng: inout SplitMix64) {
        var moves: [(Int32, Int32)] = []
        while monotonicSeconds() < s.deadline {
            moves.removeAll(keepingCapacity: true)
            for k in 0..<window {
                let i = Int(s.order[k]), leave = departure(i)
                for h in 0..<nh { if let d = cachedShift(i, to: h, leave: leave), d < 0 { moves.append((Int32(i), Int32(h))) } }
            }
            evaluated += window * nh
            if moves.isEmpty { return }
            for k in stride(from: moves.count - 1, to: 0, by: -1) { moves.swapAt(k, rng.below(k + 1)) }
            for (i, h) in moves {
                if let d = evaluateShift(Int(i), to: Int(h)), d < 0 { place(Int(i), on: Int(h)); applied += 1 }
            }
            evaluated += moves.count
        }
    }

    /// Improving swaps between the window's items, a random one at a time, until none is left. After
    /// the first scan, only pairs with a host changed since the scan before are evaluated again (the
    /// others could only have turned improving through the group counters, which rarely happens; swap
    /// evaluations were a quarter of the profile on a2_3 with full rescans). Host stamps only grow
    /// here: `place` takes fresh ones, and only an undone rearrangement gives old ones back.
    func swapDescent(_ s: inout WindowSearch, window: Int, rng: inout SplitMix64) {
        var moves: [(Int32, Int32)] = []
        var since: UInt64 = 0
        while monotonicSeconds() < s.deadline {
            moves.removeAll(keepingCapacity: true)
            let scanned = versionClock
            for a in 0..<window {
                let i = Int(s.order[a]), changed = hostVersion[Int(assign[i])] > since
                for b in (a + 1)..<max(a + 1, window) {
                    let j = Int(s.order[b])
                    if assign[i] == assign[j] || (!changed && hostVersion[Int(assign[j])] <= since) { continue }
                    evaluated += 1
                    if let d = evaluateSwap(i, j), d < 0 { moves.append((Int32(i), Int32(j))) }
                }
            }
            since = scanned
            if moves.isEmpty { return }
            for k in stride(from: moves.count - 1, to: 0, by: -1) { moves.swapAt(k, rng.below(k + 1)) }
            for (i, j) in moves {
                if let d = evaluateSwap(Int(i), Int(j)), d < 0 {
                    let a = Int(assign[Int(i)]), b = Int(assign[Int(j)])
                    place(Int(i), on: b)
                    place(Int(j), on: a)
                    applied += 1
                }
            }
            evaluated += moves.count
        }
    }

    /// Cost change of host `h` taking item `e` as things stand (`Int64.max` if it does not fit), from
    /// the arrival cache where the host has not changed since.
    @inline(__always)
    func arrival(_ e: Int, _ h: Int) -> Int64 {
        let k = e * nh + h, v = hostVersion[h], cache = arrivals!
        if cache[k].stamp == v { return cache[k].delta }
        let o = Int(initial[e]), ub = scratchB, bb = h * nr, di = e * nr
        var result: Int64 = 0
        for r in 0..<nr {
            let d = demand[di + r], nu = usage[bb + r] + d
            if transient[r] {
                if h != o && held[bb + r] + d > cap[bb + r] { result = .max; break }
            } else if nu > cap[bb + r] { result = .max; break }
            ub[r] = nu
        }
        if result == 0 { result = costOf(host: h, usage: ub) - hostCost[h] }
        cache[k] = Arrival(delta: result, stamp: v)
        return result
    }

    /// Cost change of host `assign[e]` giving up item `e`.
    @inline(__always)
    func departure(_ e: Int) -> Int64 {
        let a = Int(assign[e]), ua = scratchA, ba = a * nr, di = e * nr
        for r in 0..<nr { ua[r] = usage[ba + r] - demand[di + r] }
        return costOf(host: a, usage: ua) - hostCost[a]
    }

    /// ``evaluateShift(_:to:checkCapacity:)`` with the host costs from the arrival cache and the
    /// departure's (`leave`) computed once per item.
    @inline(__always)
    func cachedShift(_ i: Int, to b: Int, leave: Int64) -> Int64? {
        let a = Int(assign[i]), g = Int(group[i])
        if a == b { return nil }
        if distinct[g] && occupied[g * nh + b] != 0 { return nil }
        let arrive = arrival(i, b)
        if arrive == .max || !shiftKeepsGroupRules(i, from: a, to: b) { return nil }
        return leave + arrive + shiftMoveCost(i, from: a, to: b)
    }

    /// The most the move costs can fall when item `e` moves (it going home, or nearer home).
    @inline(__always)
    func refund(_ e: Int) -> Int64 {
        let a = Int(assign[e]), o = Int(initial[e])
        if a == o { return 0 }
        return itemMoveCost[e] + weightGroupMove + moveCost(o, a)
    }

    /// The cheapest feasible host for item `e` other than `m`, and the cost change; with
    /// `improvingOnly`, only a host where the move pays (else host -1). ``cachedShift(_:to:leave:)``
    /// over every host, written out with what does not change between hosts read once, and the group
    /// rules checked only for a host that would be the best so far (most hosts lose on cost first):
    /// calling `cachedShift` with a threshold instead measured about 20 % fewer evaluations in the
    /// same time on a2_2 / a2_3.
    @inline(__always)
    private func bestHost(for e: Int, avoiding m: Int, improvingOnly: Bool = false) -> (host: Int, delta: Int64) {
        let leave = departure(e)
        // Without balance costs no arrival is negative: nothing improves if leaving saves nothing.
        if improvingOnly && balances.isEmpty && leave - refund(e) >= 0 { return (-1, .max) }
        evaluated += nh
        let a = Int(assign[e]), g = Int(group[e])
        let taken: UnsafeMutablePointer<UInt8>? = distinct[g] ? occupied + g * nh : nil
        let row = arrivals! + e * nh
        var bestDelta = improvingOnly ? 0 : Int64.max, bestHost = -1
        for h in 0..<nh where h != m && h != a {
            if let taken, taken[h] != 0 { continue }
            let arrive = row[h].stamp == hostVersion[h] ? row[h].delta : arrival(e, h)
            if arrive == .max { continue }
            let d = leave + arrive + shiftMoveCost(e, from: a, to: h)
            if d < bestDelta && shiftKeepsGroupRules(e, from: a, to: h) { bestDelta = d; bestHost = h }
        }
        return (bestHost, bestDelta)
    }

    /// Item `i` onto host `m` regardless of capacity, then `m`'s other items to their best hosts: first
    /// those whose move pays, then as many as `m` needs to fit. Kept (true) only if every host fits and
    /// the cost went down; otherwise the state is restored.
    func rearrange(_ s: inout WindowSearch, item i: Int, to m: Int, window: Int) -> Bool {
        if Int(assign[i]) == m { return false }
        // Only hosts holding an item of the window (the large items are what the window re-places).
        guard hostItems[m].contains(where: { Int(s.rank[Int($0)]) < window }) else { return false }
        guard evaluateShift(i, to: m, checkCapacity: false) != nil else { return false }
        if balances.isEmpty {
            // Without balance costs a host's cost only grows with what it holds, so the best this try can
            // do is i's host's saving, m left with i alone, and every move undone refunded: skip it if
            // even that does not pay.
            var bound = departure(i) - hostCost[m] - refund(i)
            for r in 0..<nr { scratchA[r] = demand[i * nr + r] }
            bound += costOf(host: m, usage: scratchA)
            for e in hostItems[m] { bound -= refund(Int(e)) }
            if bound >= 0 { return false }
        }
        s.savedVersions.removeAll(keepingCapacity: true)
        for h in 0..<nh { s.savedVersions.append(hostVersion[h]) }
        let old = current
        s.moveLog.removeAll(keepingCapacity: true)
        let others = hostItems[m]
        s.moveLog.append((Int32(i), assign[i]))
        place(i, on: m)
        for e32 in others where Int(assign[Int(e32)]) == m {
            let e = Int(e32)
            let (h, d) = bestHost(for: e, avoiding: m, improvingOnly: true)
            if h >= 0 && d < 0 { s.moveLog.append((e32, Int32(m))); place(e, on: h) }
        }
        if current >= old { restore(&s); return false }
        if !fits(m) {
            for e32 in others where Int(assign[Int(e32)]) == m {
                let e = Int(e32)
                let (h, d) = bestHost(for: e, avoiding: m)
                if h >= 0 && (d < 0 || !fits(m)) { s.moveLog.append((e32, Int32(m))); place(e, on: h) }
                if fits(m) && current < old { break }
            }
        }
        if !fits(m) || current >= old { restore(&s); return false }
        applied += s.moveLog.count
        return true
    }

    /// Undoes a rearrangement that did not pay: the state, and each host's stamp (the cached figures
    /// computed before it hold again).
    private func restore(_ s: inout WindowSearch) {
        undo(s.moveLog)
        for h in 0..<nh { hostVersion[h] = s.savedVersions[h] }
    }

    /// `iterations` tries, each a random item of the window rearranged onto the first host where that pays.
    func rearrangements(_ s: inout WindowSearch, window: Int, iterations: Int, rng: inout SplitMix64) {
        for t in 0..<iterations {
            if t & 7 == 0 && monotonicSeconds() >= s.deadline { return }
            let i = Int(s.order[rng.below(window)])
            for k in stride(from: nh - 1, to: 0, by: -1) { s.hostOrder.swapAt(k, rng.below(k + 1)) }
            for m in s.hostOrder.prefix(100) where rearrange(&s, item: i, to: m, window: window) { break }
        }
    }

    /// Windows growing from `from` to `to` items: at each, rearrangements, then shift and swap descents.
    func windowRange(_ s: inout WindowSearch, from: Int, to: Int, rng: inout SplitMix64) {
        let first = max(1, 50 * ni / 1_000), step = max(1, 40 * ni / 1_000)
        var end = from == 0 ? first : from
        while true {
            let w = min(ni, end)
            if monotonicSeconds() >= s.deadline { return }
            rearrangements(&s, window: w, iterations: s.rearrangementsPerStep, rng: &rng)
            noteBest(&s)
            shiftDescent(&s, window: w, rng: &rng)
            swapDescent(&s, window: w, rng: &rng)
            noteBest(&s)
            if w >= min(ni, to) { return }
            end += step
        }
    }

    /// The windows from `from` to `to` with the true weights, alternating with kicks: the same windows
    /// from the best assignment with all load weights but one resource's divided by ten (resources in
    /// order of their load cost above its lower bound, the top half). Leaves the best assignment.
    func reweightedRange(_ s: inout WindowSearch, from: Int, to: Int, rng: inout SplitMix64) {
        var localBest = current, localAssign = snapshot()
        var above = [Int64](repeating: 0, count: nr)
        for h in 0..<nh { for r in 0..<nr { let over = usage[h * nr + r] - safety[h * nr + r]; if over > 0 { above[r] += over * loadWeight[r] } } }
        let ranked = (0..<nr).sorted { (above[$0] - s.lowerBounds[$0], $1) > (above[$1] - s.lowerBounds[$1], $0) }
        let rounds = nr / 2 + 1
        for k in 0..<rounds {
            if monotonicSeconds() >= s.deadline { break }
            windowRange(&s, from: from, to: to, rng: &rng)
            if current < localBest { localBest = current; localAssign = snapshot() }
            if k == rounds - 1 { break }
            moveTo(localAssign)
            var kicked = s.originalWeights
            for r in 0..<nr where r != ranked[k] { kicked[r] /= 10 }
            s.weighted = true
            setLoadWeights(kicked)
            windowRange(&s, from: from, to: to, rng: &rng)
            s.weighted = false
            setLoadWeights(s.originalWeights)
        }
        moveTo(localAssign)
    }

    /// One worker's window search until `deadline`: a beam over the first four slices of the size order
    /// (15, 8, 4, 2 results carried; half the time), then the rest of the items from the best, then the
    /// whole window again from the best while time remains. `rearrangements`: tries per window step.
    /// Leaves the state at the best assignment found and returns its cost.
    func windowSearch(rng: inout SplitMix64, deadline: Double, rearrangements: Int) -> Int64 {
        let start = monotonicSeconds()
        prepareArrivalCache()
        var s = makeWindowSearch(deadline: deadline, rearrangementsPerStep: rearrangements)
        let slice = max(1, ni / 7)
        let beamSizes = [15, 8, 4, 2]
        let shares = [0.18, 0.16, 0.06, 0.10]
        let total = deadline - start
        let startAssign = snapshot()
        var beam: [(Int64, [Int32])] = [(current, startAssign)]
        moveTo(startAssign)
        var from = 0, to = slice
        var stageEnd = monotonicSeconds()
        for (stage, size) in beamSizes.enumerated() {
            stageEnd = min(deadline, stageEnd + total * shares[stage])
            var next: [(Int64, [Int32])] = []
            for j in 0..<size {
                if monotonicSeconds() >= stageEnd && !next.isEmpty { break }
                let seeds = j == 0 && stage > 0 ? 2 : 1
                for _ in 0..<seeds {
                    moveTo(beam[min(j, beam.count - 1)].1)
                    reweightedRange(&s, from: from, to: to, rng: &rng)
                    next.append((current, snapshot()))
                    if monotonicSeconds() >= stageEnd { break }
                }
            }
            next.sort { $0.0 < $1.0 }
            beam = next
            from = to
            to = min(ni, to + slice)
        }
        moveTo(beam[0].1)
        var a = from
        while a < ni && monotonicSeconds() < deadline {
            let b = min(ni, a + slice)
            reweightedRange(&s, from: a, to: b, rng: &rng)
            a = b
        }
        noteBest(&s)
        // Time left: the whole window again, from the best, with its kicks.
        while monotonicSeconds() < deadline {
            moveTo(s.bestAssign)
            reweightedRange(&s, from: ni, to: ni, rng: &rng)
            noteBest(&s)
        }
        moveTo(s.bestAssign)
        return current
    }
}
