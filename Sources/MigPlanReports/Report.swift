import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanLicensing
import MigPlanOptimizer

/// One answered scenario.
public struct ScenarioResult: Sendable, Codable {
    public struct ProductCost: Sendable, Codable, Hashable {
        public var units: Double
        public var cost: Double
        public var hosts: [String]
        public var metric: String
        public var scope: String
    }
    public var name: String
    public var feasible: Bool
    /// Hosts running at least one VM afterwards.
    public var hostsUsed: Int
    public var moves: Int
    public var products: [String: ProductCost]
    public var totalCost: Double
    public var planStatus: String
    public var migratedMiB: Double
    /// What the scenario assumed and how to read it.
    public var notes: [String]
    public var moveList: [PlannedMove]
    /// Infeasibilities when not feasible.
    public var reasons: [String]
}

public struct LicenseReport: Sendable, Codable {
    public var cluster: String
    public var products: [String]
    public var scenarios: [ScenarioResult]
    public var disclaimer: String
}

/// Runs scenarios through the optimizer and prices each outcome.
public struct ReportBuilder: Sendable {
    public let db: CPUDB
    public var timeLimit: Double

    public init(db: CPUDB, timeLimit: Double = 10) {
        self.db = db
        self.timeLimit = timeLimit
    }

    public static let disclaimer = "Licence rules, metrics, scopes and prices are the inputs of this inventory, not legal advice: check every figure against your contracts and your vendors' current terms."

    public func report(_ inventory: Inventory, scenarios: [Scenario]) throws(MigPlanError) -> LicenseReport {
        var results: [ScenarioResult] = []
        for s in scenarios.isEmpty ? [.current] : scenarios { results.append(try run(inventory, s)) }
        return LicenseReport(cluster: inventory.cluster.name, products: inventory.products.map(\.name),
                             scenarios: results, disclaimer: Self.disclaimer)
    }

    func run(_ inv: Inventory, _ scenario: Scenario) throws(MigPlanError) -> ScenarioResult {
        var inventory = inv
        var options = PlanOptions(timeLimit: timeLimit)
        var notes: [String] = []
        var separateCluster: (product: Int, hosts: [Int])? = nil
        switch scenario {
        case .current:
            return priced(inventory, scenario.name, placement: inventory.vms.map(\.host),
                          connected: inventory.hosts.map { $0.state == .connected }, plan: nil, notes: [])
        case let .metric(product, metric, params):
            guard let p = inventory.product(named: product) else { throw unknownProduct(product, inventory) }
            inventory.products[p].metric = metric
            for (k, v) in params {
                switch k {
                case "coreFactor": inventory.products[p].coreFactor = v
                case "minCoresPerSocket": inventory.products[p].minCoresPerSocket = Int(v)
                case "minCoresPerHost": inventory.products[p].minCoresPerHost = Int(v)
                case "coresPerSocketLicense": inventory.products[p].coresPerSocketLicense = Int(v)
                case "minPerVm": inventory.products[p].minPerVm = Int(v)
                default: inventory.products[p].unitPrice = v
                }
            }
            notes.append("same placement, \(product) licensed \(metric.rawValue)")
            return priced(inventory, scenario.name, placement: inventory.vms.map(\.host),
                          connected: inventory.hosts.map { $0.state == .connected }, plan: nil, notes: notes)
        case .consolidate:
            options.goal = .consolidate
            // The what-if asks for the end state, not for one DRS invocation's worth of moves.
            options.maxMoves = 0
            inventory.cluster.balance.maxMovesPerHost = 0
            notes.append("move caps lifted: the end state of consolidation, reached over as many invocations as it takes")
        case let .removeHost(name):
            guard inventory.host(named: name) != nil else {
                throw .invalidInput(file: "--scenario", line: nil, keyPath: scenario.name,
                                    message: "no host '\(name)'" + MigPlanError.didYouMean(MigPlanError.closeNames(name, among: inventory.hosts.map(\.name))))
            }
            options.evacuate = [name]
            notes.append("\(name) retired: its VMs move to the other hosts")
        case let .addHost(name, model, sockets, cores, memory):
            guard inventory.host(named: name) == nil else {
                throw .invalidInput(file: "--scenario", line: nil, keyPath: scenario.name, message: "host '\(name)' exists already")
            }
            let cpuModel = try db.model(named: model)
            guard let template = inventory.hosts.first(where: { $0.state == .connected }) ?? inventory.hosts.first else {
                throw .invalidInput(file: "--scenario", line: nil, keyPath: scenario.name, message: "the inventory has no host to copy")
            }
            let vendors = Set(inventory.hosts.compactMap(\.cpu.vendor))
            var host = template
            host.name = name
            host.cpu = CPU(model: cpuModel)
            host.cpu.name = name
            host.presents = host.cpu
            host.sockets = sockets
            host.coresPerSocket = cores
            host.memoryMiB = (memory ?? template.memoryMiB / 1024) * 1024
            host.state = .connected
            inventory = Inventory(cluster: inventory.cluster, hosts: inventory.hosts + [host], vms: inventory.vms,
                                  rules: inventory.rules, products: inventory.products, source: inventory.source)
            notes.append("\(name) added (\(model), \(sockets)×\(cores) cores), with \(template.name)'s datastores, networks and groups")
            if let v = cpuModel.vendor, !vendors.isEmpty, !vendors.contains(v) {
                notes.append("warning: \(model) is a CPU of \(v) and the cluster's hosts are \(vendors.sorted().joined(separator: " and ")): no running VM can live-migrate to \(name), so it only takes powered-off VMs")
            }
        case let .confine(product):
            guard let p = inventory.product(named: product) else { throw unknownProduct(product, inventory) }
            let (hosts, why) = confinementHosts(inventory, product: p)
            guard !hosts.isEmpty else {
                return ScenarioResult(name: scenario.name, feasible: false, hostsUsed: 0, moves: 0, products: [:], totalCost: 0,
                                      planStatus: "infeasible", migratedMiB: 0, notes: [], moveList: [], reasons: [why])
            }
            let group = "confine-\(product)"
            for h in hosts { inventory.hosts[h].groups.append(group) }
            let vms = inventory.vms.indices.filter { inventory.vms[$0].products.contains(product) }
            inventory.rules.append(Rule(name: "confine-\(product)", kind: .vmHost, vms: vms, hostGroup: group, policy: .must))
            inventory.products[p].licensedHosts = hosts
            notes.append("\(product) VMs confined by a must-rule to \(hosts.map { inventory.hosts[$0].name }.joined(separator: ", ")) (N+1: they fit on \(hosts.count - 1))")
            if inventory.products[p].scope == .cluster {
                separateCluster = (p, hosts)
                notes.append("scope cluster: these hosts count alone only as a separate cluster (no live migration to the others); a must-rule inside one cluster leaves every host licensed")
            }
            // Running an optimizer with the maxMoves of the inventory might not reach the
            // confinement; the scenario asks what it takes.
            options.maxMoves = 0
            inventory.cluster.balance.maxMovesPerHost = 0
        }
        let plan = try Optimizer(db: db).plan(inventory, options: options)
        guard plan.status != .infeasible else {
            return ScenarioResult(name: scenario.name, feasible: false, hostsUsed: 0, moves: 0, products: [:], totalCost: 0,
                                  planStatus: plan.status.rawValue, migratedMiB: 0, notes: notes, moveList: [],
                                  reasons: plan.infeasibilities.map { "\($0.vm): \($0.constraint)" })
        }
        let placement = plan.placement.map { inventory.host(named: $0.host)! }
        var connected = inventory.hosts.map { $0.state == .connected }
        for name in options.evacuate + plan.emptiedHosts { if let h = inventory.host(named: name) { connected[h] = false } }
        if !plan.emptiedHosts.isEmpty { notes.append("powered off: " + plan.emptiedHosts.joined(separator: ", ")) }
        var result = priced(inventory, scenario.name, placement: placement, connected: connected, plan: plan, notes: notes)
        if let (p, hosts) = separateCluster {
            // Price the confined product over its own cluster.
            let product = inventory.products[p]
            let units = hosts.reduce(0.0) { $0 + Licensing.unitsPerHost(product, inventory.hosts[$1]) }
            let old = result.products[product.name]!
            result.totalCost += units * product.unitPrice - old.cost
            result.products[product.name] = .init(units: units, cost: units * product.unitPrice,
                                                  hosts: hosts.map { inventory.hosts[$0].name }, metric: old.metric, scope: old.scope)
        }
        return result
    }

    private func priced(_ inv: Inventory, _ name: String, placement: [Int], connected: [Bool], plan: Plan?, notes: [String]) -> ScenarioResult {
        let engineReach = reachSets(inv, placement: placement)
        let usage = Licensing.usage(inv, placement: placement, reach: engineReach, connected: connected)
        var products: [String: ScenarioResult.ProductCost] = [:]
        for u in usage {
            products[u.product] = .init(units: u.units, cost: u.cost, hosts: u.hosts, metric: u.metric.rawValue, scope: u.scope.rawValue)
        }
        return ScenarioResult(name: name, feasible: true, hostsUsed: Set(placement).count, moves: plan?.moves.count ?? 0,
                              products: products, totalCost: usage.reduce(0) { $0 + $1.cost },
                              planStatus: plan?.status.rawValue ?? "no-plan-needed", migratedMiB: plan?.migratedMiB ?? 0,
                              notes: notes, moveList: plan?.moves ?? [], reasons: [])
    }

    /// Hosts each VM may run on (readiness and must-rules), for `reach`-scoped products.
    private func reachSets(_ inv: Inventory, placement: [Int]) -> [[Int]] {
        guard inv.products.contains(where: { $0.scope == .reach }),
              let problem = try? PlacementProblem(inventory: inv, db: db, options: PlanOptions()) else {
            return placement.map { [$0] }
        }
        return (0..<inv.vms.count).map { problem.allowed[$0] + (problem.homeAllowed[$0] ? [problem.home[$0]] : []) + [placement[$0]] }
    }

    /// The fewest hosts that can carry a product's VMs with one host to spare: hosts on which
    /// every one of its VMs may run, already licensed first, then the largest.
    func confinementHosts(_ inv: Inventory, product p: Int) -> ([Int], String) {
        let name = inv.products[p].name
        let vms = inv.vms.indices.filter { inv.vms[$0].products.contains(name) }
        guard !vms.isEmpty, let problem = try? PlacementProblem(inventory: inv, db: db, options: PlanOptions()) else {
            return ([], "no VM runs \(name)")
        }
        var candidates = (0..<inv.hosts.count).filter { h in
            inv.hosts[h].state == .connected && vms.allSatisfy { problem.home[$0] == h || problem.allowedSet[$0].contains(h) }
        }
        let licensed = Set(inv.products[p].licensedHosts ?? [])
        candidates.sort { a, b in
            (licensed.contains(a) ? 0 : 1, -inv.hosts[a].cpuCapacityMHz, a) < (licensed.contains(b) ? 0 : 1, -inv.hosts[b].cpuCapacityMHz, b)
        }
        let demand = vms.reduce(0.0) { $0 + inv.vms[$1].cpuDemandMHz }
        let memory = vms.reduce(0.0) { $0 + inv.vms[$1].memoryMiB }
        let headroom = 1 - inv.cluster.balance.cpuHeadroomPct / 100
        for k in 2...max(2, candidates.count) where k <= candidates.count {
            // N+1: the VMs fit on the k − 1 smallest of the chosen hosts.
            let chosen = Array(candidates.prefix(k))
            let spare = chosen.sorted { inv.hosts[$0].cpuCapacityMHz < inv.hosts[$1].cpuCapacityMHz }.prefix(k - 1)
            let cpu = spare.reduce(0.0) { $0 + inv.hosts[$1].cpuCapacityMHz * headroom }
            let mem = spare.reduce(0.0) { $0 + inv.hosts[$1].memoryMiB * inv.cluster.balance.memoryOvercommit }
            if demand <= cpu && memory <= mem { return (chosen, "") }
        }
        return ([], "\(name)'s VMs do not fit on the hosts they may all run on with one host to spare")
    }

    private func unknownProduct(_ name: String, _ inv: Inventory) -> MigPlanError {
        .invalidInput(file: "--scenario", line: nil, keyPath: name,
                      message: "no product '\(name)'" + MigPlanError.didYouMean(MigPlanError.closeNames(name, among: inv.products.map(\.name))))
    }
}
