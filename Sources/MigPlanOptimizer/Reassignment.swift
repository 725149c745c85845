import Foundation

/// The optimizer's general reassignment model: items (VMs, processes) already placed on hosts, any
/// number of resource dimensions, and a cost to minimise under hard constraints.
///
/// Hard constraints: capacity per resource; *transient* resources count on both the initial and the
/// new host of a moved item (a live migration's double booking, e.g. disk while copying); groups
/// whose items must sit on distinct hosts; a minimum number of distinct fault domains per group;
/// dependencies (every item of a group needs an item of each group it depends on in the same
/// neighbourhood).
///
/// Cost (integers): load above each host's safety capacity per resource, balance between two
/// resources' free amounts, per-item move cost, the largest number of moved items in one group,
/// and a host-to-host move cost. The ROADEF/EURO 2012 machine-reassignment problem is exactly
/// this model; cluster inventories map their rules onto it.
public struct ReassignmentModel: Sendable {
    public struct Resource: Sendable, Hashable {
        public var name: String
        /// Counts on the initial host as well as the new one for a moved item.
        public var transient: Bool
        /// Weight of load above the safety capacity.
        public var loadCostWeight: Int64
        public init(name: String, transient: Bool = false, loadCostWeight: Int64 = 1) {
            self.name = name
            self.transient = transient
            self.loadCostWeight = loadCostWeight
        }
    }

    public struct Host: Sendable, Hashable {
        public var name: String
        public var capacity: [Int64]
        /// Load above this costs (per resource); at most `capacity`.
        public var safetyCapacity: [Int64]
        /// Index of the fault domain (location, rack) the host is in.
        public var faultDomain: Int
        /// Index of the neighbourhood (network zone) the host is in; dependencies are kept within one.
        public var neighbourhood: Int
        public init(name: String, capacity: [Int64], safetyCapacity: [Int64], faultDomain: Int = 0, neighbourhood: Int = 0) {
            self.name = name
            self.capacity = capacity
            self.safetyCapacity = safetyCapacity
            self.faultDomain = faultDomain
            self.neighbourhood = neighbourhood
        }
    }

    public struct Group: Sendable, Hashable {
        public var name: String
        /// Items of the group on pairwise distinct hosts (anti-affinity for the whole group).
        public var distinctHosts: Bool
        /// At least this many distinct fault domains hold an item of the group.
        public var minFaultDomains: Int
        /// Groups this one depends on: each of its items needs an item of each of them in its neighbourhood.
        public var dependsOn: [Int]
        public init(name: String, distinctHosts: Bool = false, minFaultDomains: Int = 0, dependsOn: [Int] = []) {
            self.name = name
            self.distinctHosts = distinctHosts
            self.minFaultDomains = minFaultDomains
            self.dependsOn = dependsOn
        }
    }

    public struct Item: Sendable, Hashable {
        public var name: String
        public var group: Int
        public var demand: [Int64]
        /// Cost of moving this item at all (pre-copy bytes, a process's restart cost…).
        public var moveCost: Int64
        public init(name: String, group: Int, demand: [Int64], moveCost: Int64) {
            self.name = name
            self.group = group
            self.demand = demand
            self.moveCost = moveCost
        }
    }

    /// Cost `weight · max(0, target · free(resource1) − free(resource2))` per host.
    public struct Balance: Sendable, Hashable {
        public var resource1: Int
        public var resource2: Int
        public var target: Int64
        public var weight: Int64
        public init(resource1: Int, resource2: Int, target: Int64, weight: Int64) {
            self.resource1 = resource1
            self.resource2 = resource2
            self.target = target
            self.weight = weight
        }
    }

    public var resources: [Resource]
    public var hosts: [Host]
    public var groups: [Group]
    public var items: [Item]
    public var balances: [Balance]
    /// Host-to-host move cost, row-major hosts × hosts (from, to); empty = no such cost.
    public var hostMoveCost: [Int32]
    public var weightItemMove: Int64
    public var weightGroupMove: Int64
    public var weightHostMove: Int64
    /// Where each item is now.
    public var initial: [Int]

    public init(resources: [Resource], hosts: [Host], groups: [Group], items: [Item], balances: [Balance] = [],
                hostMoveCost: [Int32] = [], weightItemMove: Int64 = 1, weightGroupMove: Int64 = 0,
                weightHostMove: Int64 = 0, initial: [Int]) {
        self.resources = resources
        self.hosts = hosts
        self.groups = groups
        self.items = items
        self.balances = balances
        self.hostMoveCost = hostMoveCost
        self.weightItemMove = weightItemMove
        self.weightGroupMove = weightGroupMove
        self.weightHostMove = weightHostMove
        self.initial = initial
    }

    public var faultDomainCount: Int { (hosts.map(\.faultDomain).max() ?? -1) + 1 }
    public var neighbourhoodCount: Int { (hosts.map(\.neighbourhood).max() ?? -1) + 1 }

    func moveCost(from a: Int, to b: Int) -> Int64 {
        hostMoveCost.isEmpty ? 0 : Int64(hostMoveCost[a * hosts.count + b])
    }

    /// Checks the model's own consistency (sizes, indices, signs); the first problem found, in words.
    public func inconsistency() -> String? {
        let nr = resources.count, nh = hosts.count
        if initial.count != items.count { return "initial assignment has \(initial.count) entries for \(items.count) items" }
        for (h, host) in hosts.enumerated() {
            if host.capacity.count != nr || host.safetyCapacity.count != nr { return "host \(host.name): expected \(nr) capacities" }
            if host.faultDomain < 0 || host.neighbourhood < 0 { return "host \(host.name): negative fault domain or neighbourhood" }
            for r in 0..<nr where host.capacity[r] < 0 || host.safetyCapacity[r] < 0 {
                return "host \(h) \(host.name): negative capacity of \(resources[r].name)"
            }
        }
        for (i, item) in items.enumerated() {
            if item.demand.count != nr { return "item \(item.name): expected \(nr) demands" }
            if item.group < 0 || item.group >= groups.count { return "item \(item.name): group \(item.group) does not exist" }
            if item.demand.contains(where: { $0 < 0 }) || item.moveCost < 0 { return "item \(item.name): negative demand or move cost" }
            if initial[i] < 0 || initial[i] >= nh { return "item \(item.name): initial host \(initial[i]) does not exist" }
        }
        for g in groups where g.dependsOn.contains(where: { $0 < 0 || $0 >= groups.count }) {
            return "group \(g.name): depends on a group that does not exist"
        }
        for b in balances where b.resource1 < 0 || b.resource1 >= nr || b.resource2 < 0 || b.resource2 >= nr {
            return "a balance term names a resource that does not exist"
        }
        if !hostMoveCost.isEmpty && hostMoveCost.count != nh * nh { return "host move cost matrix is not \(nh) × \(nh)" }
        return nil
    }

    /// The cost of an assignment, in parts.
    public struct Cost: Sendable, Hashable, Codable {
        public var load: Int64
        public var balance: Int64
        public var itemMove: Int64
        public var groupMove: Int64
        public var hostMove: Int64
        public var total: Int64 { load + balance + itemMove + groupMove + hostMove }
        public init(load: Int64 = 0, balance: Int64 = 0, itemMove: Int64 = 0, groupMove: Int64 = 0, hostMove: Int64 = 0) {
            self.load = load
            self.balance = balance
            self.itemMove = itemMove
            self.groupMove = groupMove
            self.hostMove = hostMove
        }
    }

    /// Recomputes cost and every hard constraint of `assignment` from scratch, sharing nothing with the
    /// search: the validator every result passes before it is returned.
    public func validate(_ assignment: [Int], maxViolations: Int = 20) -> (cost: Cost, violations: [String]) {
        let nh = hosts.count, nr = resources.count
        var violations: [String] = []
        func report(_ s: String) { if violations.count < maxViolations { violations.append(s) } }
        guard assignment.count == items.count else { return (Cost(), ["assignment has \(assignment.count) entries for \(items.count) items"]) }
        var usage = [Int64](repeating: 0, count: nh * nr)
        var held = [Int64](repeating: 0, count: nh * nr)
        for (i, item) in items.enumerated() {
            let h = assignment[i], h0 = initial[i]
            guard h >= 0 && h < nh else { report("item \(item.name): host \(h) does not exist"); continue }
            for r in 0..<nr {
                usage[h * nr + r] += item.demand[r]
                held[h * nr + r] += item.demand[r]
                if h0 != h { held[h0 * nr + r] += item.demand[r] }
            }
        }
        var cost = Cost()
        for (h, host) in hosts.enumerated() {
            for r in 0..<nr {
                let u = usage[h * nr + r]
                if u > host.capacity[r] { report("capacity: host \(host.name) needs \(u) of \(resources[r].name), has \(host.capacity[r])") }
                if resources[r].transient && held[h * nr + r] > host.capacity[r] {
                    report("transient: host \(host.name) holds \(held[h * nr + r]) of \(resources[r].name) during the moves, has \(host.capacity[r])")
                }
                cost.load += resources[r].loadCostWeight * max(0, u - host.safetyCapacity[r])
            }
            for b in balances {
                let free1 = host.capacity[b.resource1] - usage[h * nr + b.resource1]
                let free2 = host.capacity[b.resource2] - usage[h * nr + b.resource2]
                cost.balance += b.weight * max(0, b.target * free1 - free2)
            }
        }
        var hostsOf = [[Int]](repeating: [], count: groups.count)
        var moved = [Int64](repeating: 0, count: groups.count)
        for (i, item) in items.enumerated() where assignment[i] >= 0 && assignment[i] < nh {
            hostsOf[item.group].append(assignment[i])
            if assignment[i] != initial[i] {
                moved[item.group] += 1
                cost.itemMove += weightItemMove * item.moveCost
                cost.hostMove += weightHostMove * moveCost(from: initial[i], to: assignment[i])
            }
        }
        cost.groupMove = weightGroupMove * (moved.max() ?? 0)
        var zones = [Set<Int>](repeating: [], count: groups.count)
        for (g, group) in groups.enumerated() {
            let hs = hostsOf[g]
            if group.distinctHosts && Set(hs).count != hs.count { report("distinct hosts: group \(group.name) has two items on one host") }
            let domains = Set(hs.map { hosts[$0].faultDomain }).count
            if domains < group.minFaultDomains {
                report("spread: group \(group.name) spans \(domains) fault domains, needs \(group.minFaultDomains)")
            }
            zones[g] = Set(hs.map { hosts[$0].neighbourhood })
        }
        for (g, group) in groups.enumerated() {
            for d in group.dependsOn where !zones[g].isSubset(of: zones[d]) {
                report("dependency: group \(group.name) runs in a neighbourhood without group \(groups[d].name)")
            }
        }
        return (cost, violations)
    }
}

/// Options of a reassignment search.
public struct ReassignmentOptions: Sendable, Hashable {
    /// Wall-clock limit in seconds; a search cut short by it is not reproducible and says so.
    public var timeLimit: Double
    /// Optional budget of evaluated moves per worker: with it (and no binding time limit) the result is
    /// the same on every run with the same seed.
    public var moveBudget: Int?
    public var seed: UInt64
    /// Independent searches run in parallel (different seeds derived from `seed`); the best wins.
    public var workers: Int
    /// End with exact rounds (lp_solve) that send moved items back to their initial hosts where that
    /// pays, several at once (5 % of the time; with a move budget, 10 work-limited rounds).
    public var exactReturns: Bool
    /// Size-window descents (see ``ReassignmentModel/optimize(_:logger:)``) for the first 95 % of the
    /// walk time — from the start on even workers, after a fifth of it walking on odd ones: `nil`
    /// decides by size (at most 100,000 item × host pairs, and no move budget, since the windows'
    /// stages end on the clock).
    public var sizeWindows: Bool?
    public init(timeLimit: Double = 60, moveBudget: Int? = nil, seed: UInt64 = 1, workers: Int = 2, exactReturns: Bool = true,
                sizeWindows: Bool? = nil) {
        self.sizeWindows = sizeWindows
        self.exactReturns = exactReturns
        self.timeLimit = timeLimit
        self.moveBudget = moveBudget
        self.seed = seed
        self.workers = workers
    }
}

/// What a reassignment search returns: a validated assignment and its cost.
public struct ReassignmentResult: Sendable {
    public enum Status: String, Sendable, Codable {
        /// Stopped after its move budget: reproducible with the same seed.
        case completed
        /// The wall-clock limit cut the search short: another run may differ.
        case timeLimit = "time-limit"
    }
    public var assignment: [Int]
    public var before: ReassignmentModel.Cost
    public var after: ReassignmentModel.Cost
    public var moved: Int
    public var status: Status
    public var seconds: Double
    /// Moves evaluated (all workers) and moves applied.
    public var evaluated: Int
    public var applied: Int
}
