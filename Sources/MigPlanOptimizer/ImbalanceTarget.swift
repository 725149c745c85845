import MigPlanInventory
import MigPlanLP

/// σ of normalized CPU load over the connected hosts (``Plan/Balance/imbalance``, the DRS
/// figure), kept as running sums so that a move's effect costs two terms.
struct CPUImbalance {
    let capacity: [Double]
    let counted: [Bool]
    let n: Double
    private(set) var sum = 0.0
    private(set) var sumOfSquares = 0.0

    init(_ p: PlacementProblem, _ s: PlacementState) {
        capacity = p.cpuCapacity
        counted = p.imbalanceHosts
        n = Double(counted.filter { $0 }.count)
        for h in 0..<p.hostCount where counted[h] {
            let x = s.load[h] / capacity[h]
            sum += x
            sumOfSquares += x * x
        }
    }

    static func variance(sum: Double, sumOfSquares: Double, n: Double) -> Double {
        n > 0 ? max(0, sumOfSquares / n - (sum / n) * (sum / n)) : 0
    }

    var variance: Double { Self.variance(sum: sum, sumOfSquares: sumOfSquares, n: n) }

    /// The sums after `demand` leaves `from` and arrives on `to` (loads as in `s`, before the move).
    private func sums(moving demand: Double, from: Int, to: Int, _ s: PlacementState) -> (Double, Double) {
        var (a, b) = (sum, sumOfSquares)
        if counted[from] {
            let x = s.load[from] / capacity[from], y = (s.load[from] - demand) / capacity[from]
            a += y - x
            b += y * y - x * x
        }
        if counted[to] {
            let x = s.load[to] / capacity[to], y = (s.load[to] + demand) / capacity[to]
            a += y - x
            b += y * y - x * x
        }
        return (a, b)
    }

    /// The variance after two moves: `first` demand from `h1` to `h2`, `second` from `h3` to `h4`
    /// (hosts may coincide).
    func variance(moving first: Double, _ h1: Int, _ h2: Int, and second: Double, _ h3: Int, _ h4: Int, _ s: PlacementState) -> Double {
        // Merge the changes of a host that appears more than once into its first appearance.
        var (d1, d2, d3, d4) = (-first, first, -second, second)
        if h2 == h1 { d1 += d2; d2 = 0 }
        if h3 == h1 { d1 += d3; d3 = 0 } else if h3 == h2 { d2 += d3; d3 = 0 }
        if h4 == h1 { d1 += d4; d4 = 0 } else if h4 == h2 { d2 += d4; d4 = 0 } else if h4 == h3 { d3 += d4; d4 = 0 }
        var (a, b) = (sum, sumOfSquares)
        func change(_ h: Int, _ d: Double) {
            guard d != 0 && counted[h] else { return }
            let x = s.load[h] / capacity[h], y = (s.load[h] + d) / capacity[h]
            a += y - x
            b += y * y - x * x
        }
        change(h1, d1)
        change(h2, d2)
        change(h3, d3)
        change(h4, d4)
        return Self.variance(sum: a, sumOfSquares: b, n: n)
    }

    func variance(moving demand: Double, from: Int, to: Int, _ s: PlacementState) -> Double {
        let (a, b) = sums(moving: demand, from: from, to: to, s)
        return Self.variance(sum: a, sumOfSquares: b, n: n)
    }

    /// Records a move; call before `s.move`.
    mutating func record(moving demand: Double, from: Int, to: Int, _ s: PlacementState) {
        (sum, sumOfSquares) = sums(moving: demand, from: from, to: to, s)
    }
}

/// How the target-imbalance search picks the moves that bring σ down.
enum ImbalanceFill: Sendable, Hashable, CustomStringConvertible {
    /// The most σ² per byte copied: light VMs first.
    case perByte
    /// The most σ² per move (DRS's greedy): where move caps make moves the scarce resource.
    case perMove
    /// σ² per (bytes + this many mean VMs' bytes): between the two.
    case blended(Double)

    /// The ways the searches run side by side. Several blends: which one is best depends on how
    /// scarce the caps make moves (with caps, seed 1: 32 × 1,000 0.73 → 0.65 of the greedy's GiB
    /// with a quarter, 96 × 10,000 0.46 → 0.41; 64 × 4,000 best with one).
    static let all: [ImbalanceFill] = [.perByte, .perMove, .blended(0.25), .blended(0.5), .blended(1), .blended(2)]

    var description: String {
        switch self {
        case .perByte: "σ² per byte"
        case .perMove: "σ² per move"
        case let .blended(w): "σ² per (bytes + \(w) mean VM)"
        }
    }
}

/// The plan for a target imbalance (DRS's "target host load standard deviation"): σ at or below
/// the target with as few pre-copy bytes as the search finds. Moves are chosen by the σ² they buy
/// (per byte, per move or between), then undone where σ stays within the target, then exchanged
/// one for one against lighter VMs; mandatory moves are never undone.
struct ImbalanceSearch {
    /// The hosts the moves use: this many of the most and of the least loaded target hosts.
    static let reach = 8

    let problem: PlacementProblem
    /// Each VM's host after the mandatory moves.
    let mandatoryHost: [Int]
    let bytes: [Double]
    /// Per host, the VMs at home there that only balance may move, lightest first.
    let freeAtHome: [[Int]]
    let meanBytes: Double
    /// `problem.canHost(v, h)` as a flat table (v · hosts + h): the searches ask it millions of times.
    private let hostable: [Bool]
    private let hostCount: Int
    /// VMs without a hard rule or a licence budget: another VM's move changes only their capacity checks.
    private let plain: [Bool]
    /// VMs whose only move is a balance move (see ``free(_:)``).
    private let isFree: [Bool]

    init(problem p: PlacementProblem, mandatoryHost: [Int]) {
        problem = p
        self.mandatoryHost = mandatoryHost
        bytes = p.engine.precopy.map(\.megabytes)
        isFree = (0..<p.vmCount).map { p.movable[$0] && mandatoryHost[$0] == p.home[$0] && p.affinityGroup[$0].isEmpty }
        var lists = [[Int]](repeating: [], count: p.hostCount)
        for v in 0..<p.vmCount where isFree[v] { lists[p.home[v]].append(v) }
        let b = bytes
        freeAtHome = lists.map { $0.sorted { (b[$0], $0) < (b[$1], $1) } }
        meanBytes = max(1, b.reduce(0, +) / Double(max(1, p.vmCount)))
        var table = [Bool](repeating: false, count: p.vmCount * p.hostCount)
        for v in 0..<p.vmCount {
            for h in p.allowed[v] { table[v * p.hostCount + h] = true }
            if p.homeAllowed[v] { table[v * p.hostCount + p.home[v]] = true }
        }
        hostable = table
        hostCount = p.hostCount
        var ruled = [Bool](repeating: false, count: p.vmCount)
        for rule in p.hardRules { for v in rule.vms { ruled[v] = true } }
        plain = (0..<p.vmCount).map { !ruled[$0] && p.vmBudgets[$0].isEmpty }
    }

    func canHost(_ v: Int, _ h: Int) -> Bool { hostable[v * hostCount + h] }

    /// A VM whose only move is a balance move, free to stay, go or come back.
    func free(_ v: Int) -> Bool { isFree[v] }

    /// The most (or least) loaded target hosts: `reach` of those with room for another move under
    /// the per-host cap, and the few most extreme beyond (a full host can still trade a move).
    private func ranked(_ s: PlacementState, _ imbalance: CPUImbalance, hottest: Bool, width: Int = reach) -> [Int] {
        let p = problem
        let x = (0..<p.hostCount).map { s.load[$0] / p.cpuCapacity[$0] }
        let hosts = (0..<p.hostCount).filter { p.isTarget[$0] && imbalance.counted[$0] }
        let sorted = hosts.sorted { a, b in hottest ? (x[a], b) > (x[b], a) : (x[a], a) < (x[b], b) }
        guard p.maxMovesPerHost > 0 else { return Array(sorted.prefix(width)) }
        let open = sorted.filter { s.hostMoves[$0] < p.maxMovesPerHost }.prefix(width)
        let extreme = sorted.prefix(width / 2).filter { !open.contains($0) }
        return Array(open) + extreme
    }

    /// Whether `first` and then `second` may be carried out from `s` (the caps are checked for the
    /// pair beforehand). Where one of the two VMs has no hard rule and no licence budget, the first
    /// move changes the second's checks through the capacities alone, so no state is copied.
    func bothAllowed(_ s: PlacementState, _ first: (v: Int, h: Int), then second: (v: Int, h: Int)) -> Bool {
        guard s.canMove(first.v, to: first.h, ignoringCaps: true) else { return false }
        guard plain[first.v] || plain[second.v] else {
            var trial = s
            trial.move(first.v, to: first.h)
            return trial.canMove(second.v, to: second.h, ignoringCaps: true)
        }
        let p = problem
        let (v, h) = second
        guard p.movable[v] && h != s.host[v] && canHost(v, h) else { return false }
        // What the first move changes on h.
        let sign = (first.h == h ? 1.0 : 0) - (s.host[first.v] == h ? 1.0 : 0)
        guard s.reserved[h] + sign * p.reservation[first.v] + p.reservation[v] <= p.cpuCapacity[h] + 1e-6,
              s.configured[h] + sign * p.memory[first.v] + p.memory[v] <= p.memoryCapacity[h] + 1e-6 else { return false }
        return s.rulesAllow(v, h) && s.budgetsAllow(v, h)
    }

    /// The next step of the fill from `s` (see `Run.fill`), among the `width` most and least loaded
    /// hosts: one move, or two to be made in the order given; nil if none lowers σ.
    fileprivate func nextStep(_ s: PlacementState, _ imbalance: CPUImbalance, away: [[Int]], _ policy: ImbalanceFill,
                              width: Int) -> [(v: Int, h: Int)]? {
        let p = problem
        let demand = p.demand
        // (copies nothing more, score, moves): larger first.
        typealias Step = (free: Int, score: Double, moves: [(v: Int, h: Int)])
        func key(_ gain: Double, _ cost: Double) -> (Int, Double) {
            if cost <= 0 { return (1, gain) }
            return switch policy {
            case .perByte: (0, gain / cost)
            case .perMove: (0, gain)
            case let .blended(w): (0, gain / (cost + w * meanBytes))
            }
        }
        // What moving v to h adds to the bytes copied.
        func cost(_ v: Int, to h: Int) -> Double {
            s.host[v] == p.home[v] ? bytes[v] : (h == p.home[v] ? -bytes[v] : 0)
        }
        func better(_ x: Step, _ y: Step) -> Bool {
            (x.free, x.score, -x.moves[0].v, -x.moves[0].h) > (y.free, y.score, -y.moves[0].v, -y.moves[0].h)
        }
        let now = imbalance.variance
        let hot = ranked(s, imbalance, hottest: true, width: width)
        let cold = ranked(s, imbalance, hottest: false, width: width)
        var single: Step? = nil
        for a in hot {
            for v in free(on: a, s, away: away) {
                let atHome = a == p.home[v]
                for h in cold + (atHome ? [] : [p.home[v]]) where h != a {
                    let gain = now - imbalance.variance(moving: demand[v], from: a, to: h, s)
                    guard gain > 0 else { continue }
                    let (f, score) = key(gain, cost(v, to: h))
                    let candidate: Step = (f, score, [(v, h)])
                    if let b = single, !better(candidate, b) { continue }
                    if s.canMove(v, to: h) { single = candidate }
                }
            }
        }
        if let b = single { return b.moves }
        // Two moves (among the extreme hosts only): the best 16 by σ alone, then the first that
        // can be carried out in some order.
        guard width <= Self.reach else { return nil }
        var pairs: [Step] = []
        func offer(_ step: Step) {
            if pairs.count == 16, let last = pairs.last, !better(step, last) { return }
            guard capsFit(s, step.moves) else { return }
            let i = pairs.firstIndex { better(step, $0) } ?? pairs.count
            pairs.insert(step, at: i)
            if pairs.count > 16 { pairs.removeLast() }
        }
        for a in hot {
            let here = free(on: a, s, away: away)
            // A VM of `a` moved elsewhere comes home; a larger one of `a` goes instead.
            for v in freeAtHome[a] where s.host[v] != a {
                let b = s.host[v]
                for u in here where p.home[u] == a && demand[u] > demand[v] {
                    for h in cold + [b] where h != a && canHost(u, h) {
                        let gain = now - imbalance.variance(moving: demand[v], b, a, and: demand[u], a, h, s)
                        guard gain > 0 else { continue }
                        let (f, score) = key(gain, bytes[u] - bytes[v])
                        offer((f, score, [(v, a), (u, h)]))
                    }
                }
            }
            for c in cold where c != a {
                // A VM moved onto `c` goes home; a larger one of `a` takes its place.
                for v in away[c] where p.home[v] != a {
                    for u in here where demand[u] > demand[v] && canHost(u, c) {
                        let gain = now - imbalance.variance(moving: demand[v], c, p.home[v], and: demand[u], a, c, s)
                        guard gain > 0 else { continue }
                        let (f, score) = key(gain, cost(u, to: c) - bytes[v])
                        offer((f, score, [(v, p.home[v]), (u, c)]))
                    }
                }
                // Swaps with the cold host: the larger VM to it.
                let there = free(on: c, s, away: away)
                for u in here where canHost(u, c) {
                    for w in there where demand[w] < demand[u] && canHost(w, a) {
                        let gain = now - imbalance.variance(moving: demand[u], a, c, and: demand[w], c, a, s)
                        guard gain > 0 else { continue }
                        let (f, score) = key(gain, cost(u, to: c) + cost(w, to: a))
                        offer((f, score, [(u, c), (w, a)]))
                    }
                }
            }
        }
        for step in pairs {
            let (x, y) = (step.moves[0], step.moves[1])
            for (first, second) in [(x, y), (y, x)] where bothAllowed(s, first, then: second) { return [first, second] }
        }
        return nil
    }

    /// The move caps after `moves` (in order; the sequencer may order them otherwise).
    func capsFit(_ s: PlacementState, _ moves: [(v: Int, h: Int)]) -> Bool {
        let (perHost, perPlan) = (problem.maxMovesPerHost, problem.maxMoves)
        guard perHost > 0 || perPlan > 0 else { return true }
        var delta: [Int: Int] = [:]
        var total = 0
        var now: [Int: Int] = [:]
        for (v, h) in moves where problem.counted(v) {
            let from = now[v] ?? s.host[v], origin = problem.home[v]
            if from == origin { total += 1; delta[origin, default: 0] += 1 } else { delta[from, default: 0] -= 1 }
            if h == origin { total -= 1; delta[origin, default: 0] -= 1 } else { delta[h, default: 0] += 1 }
            now[v] = h
        }
        if perPlan > 0 && s.totalMoves + total > perPlan { return false }
        return perHost == 0 || delta.allSatisfy { $0.value <= 0 || s.hostMoves[$0.key] + $0.value <= perHost }
    }

    /// Free VMs now on `h`: those at home there and those moved there.
    private func free(on h: Int, _ s: PlacementState, away: [[Int]]) -> [Int] {
        freeAtHome[h].filter { s.host[$0] == h } + away[h]
    }

    /// Brings σ to `target` or below from `s`, then sheds bytes while it stays there. Returns
    /// whether the target was reached.
    func reach(_ s: inout PlacementState, _ search: inout Search, target: Double, fill policy: ImbalanceFill) -> Bool {
        let limit = target * target * (1 + 1e-9) + 1e-15
        var imbalance = CPUImbalance(problem, s)
        var run = Run(owner: self, limit: limit)
        run.away = [[Int]](repeating: [], count: problem.hostCount)
        for v in 0..<problem.vmCount where s.host[v] != problem.home[v] && free(v) { run.away[s.host[v]].append(v) }
        run.fill(&s, &imbalance, &search, policy)
        guard imbalance.variance <= limit else { return false }
        run.trim(&s, &imbalance, &search)
        for _ in 0..<3 {
            guard !search.timeUp else { search.cutByClock = true; break }
            guard run.exchange(&s, &imbalance, &search) else { break }
            run.trim(&s, &imbalance, &search)
        }
        return true
    }

    /// One search's moving parts: the VMs moved for balance, per host.
    private struct Run {
        let owner: ImbalanceSearch
        let limit: Double
        var away: [[Int]] = []
        var problem: PlacementProblem { owner.problem }

        mutating func apply(_ s: inout PlacementState, _ imbalance: inout CPUImbalance, _ search: inout Search, _ v: Int, to h: Int) {
            let p = problem
            let from = s.host[v]
            imbalance.record(moving: p.demand[v], from: from, to: h, s)
            s.move(v, to: h)
            if from != p.home[v], let i = away[from].firstIndex(of: v) { away[from].remove(at: i) }
            if h == p.home[v] { search.reasons[v] = nil } else {
                away[h].append(v)
                if search.reasons[v] == nil { search.reasons[v] = .balance }
            }
        }

        /// Until σ is within the target, one step at a time, the best by `policy` (steps that copy
        /// nothing more first): a move off one of the most loaded hosts onto one of the least loaded
        /// (or home); where none helps, two moves — a VM moved off a hot host sent home and a larger
        /// one of that host moved instead, or one moved onto a cold host sent home and a larger one
        /// moved there instead (both where move caps bind), or a swap between a hot and a cold host
        /// (the finer steps near the target); where the extreme hosts offer none, a single move
        /// between any two hosts.
        mutating func fill(_ s: inout PlacementState, _ imbalance: inout CPUImbalance, _ search: inout Search, _ policy: ImbalanceFill) {
            while imbalance.variance > limit {
                guard !search.timeUp else { search.cutByClock = true; return }
                let hosts = problem.hostCount
                guard let moves = owner.nextStep(s, imbalance, away: away, policy, width: ImbalanceSearch.reach)
                    ?? (hosts > ImbalanceSearch.reach ? owner.nextStep(s, imbalance, away: away, policy, width: hosts) : nil) else { return }
                for m in moves { apply(&s, &imbalance, &search, m.v, to: m.h) }
            }
        }

        /// Sends balance moves home while σ stays within the target: each time the one that adds
        /// the least σ² per byte saved.
        mutating func trim(_ s: inout PlacementState, _ imbalance: inout CPUImbalance, _ search: inout Search) {
            let p = problem
            while true {
                guard !search.timeUp else { search.cutByClock = true; return }
                let now = imbalance.variance
                var best: (score: Double, v: Int)? = nil
                for list in away {
                    for v in list {
                        let after = imbalance.variance(moving: p.demand[v], from: s.host[v], to: p.home[v], s)
                        guard after <= limit else { continue }
                        let score = (after - now) / max(owner.bytes[v], 1e-9)
                        if let b = best, (b.score, b.v) <= (score, v) { continue }
                        if s.canMove(v, to: p.home[v]) { best = (score, v) }
                    }
                }
                guard let b = best else { return }
                apply(&s, &imbalance, &search, b.v, to: p.home[b.v])
            }
        }

        /// One for one: a moved VM back home and a lighter VM moved instead (off one of the most
        /// loaded hosts or the first one's home, onto one of the least loaded or the first one's
        /// destination), where σ stays within the target. Heaviest moves first; true if any changed.
        mutating func exchange(_ s: inout PlacementState, _ imbalance: inout CPUImbalance, _ search: inout Search) -> Bool {
            let p = problem
            let bytes = owner.bytes, freeAtHome = owner.freeAtHome, demand = p.demand
            let moved = away.joined().sorted { (bytes[$0], $1) > (bytes[$1], $0) }
            var changed = false
            // The most and least loaded hosts, ranked again after each exchange.
            var (hot, cold) = (owner.ranked(s, imbalance, hottest: true), owner.ranked(s, imbalance, hottest: false))
            for v in moved where s.host[v] != p.home[v] {
                guard !search.timeUp else { search.cutByClock = true; break }
                let home = p.home[v], destination = s.host[v]
                guard s.canMove(v, to: home) else { continue }
                let sources = hot.contains(home) ? hot : hot + [home]
                let targets = cold.contains(destination) ? cold : cold + [destination]
                // Candidates by σ alone (v home, u from a to h), lightest first; the first that the
                // state after v's return allows wins.
                var candidates: [(bytes: Double, variance: Double, u: Int, h: Int)] = []
                for a in sources {
                    // The three lightest of each source that σ allows.
                    var found = 0
                    for u in freeAtHome[a] where u != v && s.host[u] == a {
                        if bytes[u] >= bytes[v] - 1e-9 || found == 3 { break }
                        var any = false
                        for h in targets where h != a && owner.canHost(u, h) {
                            let after = imbalance.variance(moving: demand[v], destination, home, and: demand[u], a, h, s)
                            if after <= limit { candidates.append((bytes[u], after, u, h)); any = true }
                        }
                        if any { found += 1 }
                    }
                }
                guard !candidates.isEmpty else { continue }
                candidates.sort { ($0.bytes, $0.variance, $0.u, $0.h) < ($1.bytes, $1.variance, $1.u, $1.h) }
                var (trial, trialImbalance, trialSearch, trialRun) = (s, imbalance, search, self)
                trialRun.apply(&trial, &trialImbalance, &trialSearch, v, to: home)
                guard let b = candidates.first(where: { trial.canMove($0.u, to: $0.h) }) else { continue }
                trialRun.apply(&trial, &trialImbalance, &trialSearch, b.u, to: b.h)
                (s, imbalance, search, self) = (trial, trialImbalance, trialSearch, trialRun)
                (hot, cold) = (owner.ranked(s, imbalance, hottest: true), owner.ranked(s, imbalance, hottest: false))
                changed = true
            }
            return changed
        }
    }
}

extension Optimizer {
    struct TargetResult {
        var state: PlacementState
        var search: Search
        var goal: ImbalanceGoal
        /// The LP bound on the bytes of any plan within the target.
        var bound: Double?
        var cutByClock: Bool
        var method: String
    }

    /// The plan for a target imbalance: from the mandatory moves, σ brought within the target by
    /// each way of choosing moves (``ImbalanceFill``), side by side; where the full model has
    /// `lpColumns` > 0 columns, the LP of the bytes model under the rows σ ≤ target implies
    /// (``ExactModel/relaxImbalanceTarget(_:bytes:)``) gives the bound and, up to 10,000 columns,
    /// its assignments at ½ or more are another start. The plan kept: reached first, then the
    /// fewest bytes (if none reaches the target, the most balanced).
    func reachTarget(_ target: Double, _ problem: PlacementProblem, search: Search,
                     mandatory: (state: PlacementState, reasons: [Int: MoveReason]), lpColumns: Int,
                     deadline: Double) -> TargetResult {
        let imbalanceSearch = ImbalanceSearch(problem: problem, mandatoryHost: mandatory.state.host)
        var cutByClock = false
        var bound: Double? = nil
        // Not from the weighted objective's plan: as a start it was never the best over the
        // benchmark's eight clusters, and its search took most of the time.
        var starts: [(state: PlacementState, reasons: [Int: MoveReason], fill: ImbalanceFill, name: String)] =
            ImbalanceFill.all.map { (mandatory.state, mandatory.reasons, $0, "the mandatory moves, \($0)") }
        // The LP: solved whole up to 10,000 columns, before the searches (a start and the bound);
        // above, by column generation from the chosen plan's columns (the bound only: the master
        // must start feasible, and the plan within the target is).
        func model() -> ExactModel {
            var m = ExactModel(problem)
            m.relaxImbalanceTarget(target, bytes: imbalanceSearch.bytes)
            return m
        }
        if lpColumns > 0 && lpColumns <= 10_000 && monotonicSeconds() < deadline {
            let m = model()
            let r = m.program.relaxation.solve(SolveOptions(timeLimit: max(0.05, deadline - monotonicSeconds())))
            if r.status == .timeLimit || r.status == .feasible { cutByClock = true }
            if r.status == .optimal, let value = r.objective { bound = value }
            if r.hasSolution {
                var g = mandatory.state
                var reasons = mandatory.reasons
                m.moveToward(r, &g, reasons: &reasons, only: imbalanceSearch.free)
                starts += [(g, reasons, .perByte, "the LP's assignments, \(ImbalanceFill.perByte)"),
                           (g, reasons, .perMove, "the LP's assignments, \(ImbalanceFill.perMove)")]
            }
        }
        let candidates = concurrentMap(starts.count) { k in
            var (g, s) = (starts[k].state, search)
            s.reasons = starts[k].reasons
            _ = imbalanceSearch.reach(&g, &s, target: target, fill: starts[k].fill)
            // σ as the plan reports it (the search's running sums agree to rounding).
            let sigma = balance(problem, g).imbalance
            return (k: k, state: g, search: s, reached: sigma <= target * (1 + 1e-9), bytes: g.migratedMiB,
                    sigma: sigma)
        }
        let best = candidates.min { a, b in
            if a.reached != b.reached { return a.reached }
            return a.reached ? (a.bytes, a.k) < (b.bytes, b.k) : (a.sigma, a.k) < (b.sigma, b.k)
        }!
        cutByClock = cutByClock || candidates.contains { $0.search.cutByClock }
        if best.reached && lpColumns > 10_000 && monotonicSeconds() < deadline {
            let m = model()
            var active = [Bool](repeating: true, count: m.program.variables.count)
            for c in m.columns { active[c.x.index] = c.h == best.state.host[c.v] }
            let (r, report) = m.program.relaxation.solveByPricing(
                active: active, options: SolveOptions(timeLimit: max(0.05, deadline - monotonicSeconds())),
                maxRounds: 30, columnsPerRound: 300, logger: logger)
            if r.status == .timeLimit || report.stoppedByClock { cutByClock = true }
            if r.status == .optimal, let value = r.objective { bound = value }
        }
        return TargetResult(state: best.state, search: best.search, goal: ImbalanceGoal(imbalance: target, reached: best.reached),
                            bound: best.reached ? bound : nil, cutByClock: cutByClock,
                            method: "target imbalance: from \(starts[best.k].name), then undone and exchanged one for one")
    }
}
