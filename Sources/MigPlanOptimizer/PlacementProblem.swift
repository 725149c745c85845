import MigPlanCPU
import MigPlanInventory
import MigPlanLicensing
import MigPlanMigration

/// What the optimizer is asked for.
public struct PlanOptions: Sendable, Hashable {
    public enum Goal: String, Sendable, Hashable, CaseIterable, Codable {
        /// Lower the imbalance; move little and light.
        case balance
        /// Empty hosts the rest can carry within headroom (DPM-style power-off).
        case consolidate
    }
    /// 1 (mandatory moves only) … 5 (aggressive); nil = the inventory's.
    public var threshold: Int?
    /// Per-plan move cap; nil = the inventory's (`maxMoves`, 0 = none).
    public var maxMoves: Int?
    /// Wall-clock limit of the search in seconds.
    public var timeLimit: Double
    /// Extra hosts to evacuate (as if in maintenance).
    public var evacuate: [String]
    public var goal: Goal
    /// Largest number of binaries for which the exact MILP is tried.
    public var exactBinaryLimit: Int
    /// Hosts to power off (consolidation): emptied, and their moves count against the caps,
    /// unlike evacuations.
    public var powerOff: [String] = []
    /// DRS's target host load standard deviation: balance until the CPU imbalance σ
    /// (``Plan/Balance/imbalance``) is at or below this, with as few pre-copy bytes as the search
    /// finds, instead of minimising the threshold's weighted objective (the threshold then plays no
    /// part). Mandatory moves are always made. `.balance` goal only.
    public var targetImbalance: Double? = nil

    public init(threshold: Int? = nil, maxMoves: Int? = nil, timeLimit: Double = 10, evacuate: [String] = [],
                goal: Goal = .balance, exactBinaryLimit: Int = 160) {
        self.threshold = threshold
        self.maxMoves = maxMoves
        self.timeLimit = timeLimit
        self.evacuate = evacuate
        self.goal = goal
        self.exactBinaryLimit = exactBinaryLimit
    }
}

/// The inventory as flat arrays the search works on, with the objective's weights.
///
/// Objective (minimised, in MHz-equivalents):
/// Σ_h |load_h − T·C_h|  (L1 deviation of CPU demand from the balanced level T over target hosts)
/// + ω·Σ_h |mem_h − Tm·M_h|·(ΣC/ΣM)  (the same for active memory)
/// + W·Σ_h max(0, load_h − (1 − headroom)·C_h)  (CPU beyond the headroom target)
/// + Σ_moved κ·(MiB_v / mean MiB)·(mean demand)  (pre-copy bytes: light VMs are cheap to move)
/// + should-rule penalties.
/// The migration threshold sets κ: how much balance a move of an average VM must buy.
public struct PlacementProblem: Sendable {
    public let inventory: Inventory
    public let engine: ReadinessEngine
    public let options: PlanOptions

    public let vmCount: Int
    public let hostCount: Int
    public let demand: [Double]
    public let activeMemory: [Double]
    public let memory: [Double]
    public let reservation: [Double]
    public let home: [Int]
    public let movable: [Bool]
    /// Objective cost of moving each VM.
    public let moveCost: [Double]
    /// Static destinations per VM (every readiness check that does not depend on where other
    /// VMs are), excluding its home.
    public let allowed: [[Int]]
    public let allowedSet: [Set<Int>]
    /// The VM may stay on (or return to) its current host: a target host that keeps its
    /// vm-host must-rules.
    public let homeAllowed: [Bool]
    public let cpuCapacity: [Double]
    public let memoryCapacity: [Double]
    /// Host memory for the memory-balance term (physical MiB).
    public let hostMemory: [Double]
    /// Hosts that may hold VMs at the end.
    public let isTarget: [Bool]
    /// Hosts that must be emptied (maintenance, standby with VMs, --evacuate, powered off).
    public let evacuated: [Bool]
    /// Hosts whose VMs' moves count against no cap: maintenance and standby hosts and those
    /// given to --evacuate (the spec's evacuation moves).
    public let capExempt: [Bool]
    public let targetLoad: Double
    public let targetMemory: Double
    public let memoryScale: Double
    public let headroom: Double
    public let threshold: Int
    public let maxMoves: Int
    public let maxMovesPerHost: Int
    public let balanceWeight: Double
    public let memoryWeight: Double
    public let overWeight: Double
    public let shouldPenalty: Double
    public let hardRules: [Rule]
    /// Per VM, the members of its must-affinity group (overlapping rules merged); empty if none.
    public let affinityGroup: [[Int]]
    public let softRules: [Rule]
    public let groupHosts: [String: Set<Int>]
    /// Each host's fault domain as an index (``Inventory/faultDomainIndices()``), for vm-spread rules.
    public let faultDomainOf: [Int]
    /// Occupancy-scoped products with a unit budget: (product index, units per host, budget),
    /// and the budgeted products of each VM.
    public let budgets: [(product: Int, unitsPerHost: [Double], maxUnits: Double)]
    public let vmBudgets: [[Int]]

    public init(inventory inv: Inventory, db: CPUDB, options: PlanOptions) throws(MigPlanError) {
        inventory = inv
        self.options = options
        engine = ReadinessEngine(inventory: inv, db: db)
        vmCount = inv.vms.count
        hostCount = inv.hosts.count
        demand = inv.vms.map(\.cpuDemandMHz)
        activeMemory = inv.vms.map(\.memoryActiveMiB)
        memory = inv.vms.map(\.memoryMiB)
        reservation = inv.vms.map(\.cpuReservationMHz)
        home = inv.vms.map(\.host)
        movable = inv.vms.map(\.movable)
        var evac = inv.hosts.map { $0.state != .connected }
        for name in options.evacuate {
            guard let h = inv.host(named: name) else {
                throw .invalidInput(file: inv.source, line: nil, keyPath: "hosts",
                                    message: "--evacuate \(name): no such host" + MigPlanError.didYouMean(MigPlanError.closeNames(name, among: inv.hosts.map(\.name))))
            }
            evac[h] = true
        }
        // Only evacuations (maintenance, standby, --evacuate) are exempt from the move caps;
        // emptying a host to power it off counts against them (shared/spec/inventory.md).
        capExempt = evac
        for name in options.powerOff {
            if let h = inv.host(named: name) { evac[h] = true }
        }
        evacuated = evac
        let targets = evac.map { !$0 }
        isTarget = targets
        cpuCapacity = inv.hosts.map(\.cpuCapacityMHz)
        hostMemory = inv.hosts.map(\.memoryMiB)
        memoryCapacity = inv.hosts.map { $0.memoryMiB * inv.cluster.balance.memoryOvercommit }
        let targetC = zip(cpuCapacity, isTarget).filter(\.1).map(\.0).reduce(0, +)
        let targetM = zip(hostMemory, isTarget).filter(\.1).map(\.0).reduce(0, +)
        targetLoad = targetC > 0 ? demand.reduce(0, +) / targetC : 0
        targetMemory = targetM > 0 ? activeMemory.reduce(0, +) / targetM : 0
        memoryScale = targetM > 0 ? targetC / targetM : 0
        headroom = inv.cluster.balance.cpuHeadroomPct / 100
        let t = options.threshold ?? inv.cluster.balance.threshold
        threshold = t
        maxMoves = options.maxMoves ?? inv.cluster.balance.maxMoves
        maxMovesPerHost = inv.cluster.balance.maxMovesPerHost

        // Static destinations: readiness without the checks that depend on the placement.
        let dynamic: BlockKinds = [.sameHost, .capacityCPU, .capacityMemory, .rule]
        var allowed: [[Int]] = []
        var hostRules = [[Rule]](repeating: [], count: inv.vms.count)
        var groupsOfHosts: [String: Set<Int>] = [:]
        for (i, h) in inv.hosts.enumerated() { for g in h.groups { groupsOfHosts[g, default: []].insert(i) } }
        for rule in inv.rules where rule.kind == .vmHost && rule.policy.isHard { for v in rule.vms { hostRules[v].append(rule) } }
        // vm-host must / must-not rules do not depend on the placement either.
        func keepsHostRules(_ v: Int, _ h: Int) -> Bool {
            hostRules[v].allSatisfy { r in
                let inGroup = groupsOfHosts[r.hostGroup ?? ""]?.contains(h) ?? false
                return r.policy.isNegative ? !inGroup : inGroup
            }
        }
        for v in 0..<inv.vms.count {
            var list: [Int] = []
            for h in 0..<inv.hosts.count where h != inv.vms[v].host && isTarget[h] {
                guard engine.blockKinds(vm: v, host: h).subtracting(dynamic).isEmpty else { continue }
                if keepsHostRules(v, h) { list.append(h) }
            }
            allowed.append(list)
        }
        self.allowed = allowed
        homeAllowed = (0..<inv.vms.count).map { v in targets[inv.vms[v].host] && keepsHostRules(v, inv.vms[v].host) }
        allowedSet = allowed.map(Set.init)

        // Weights.
        let meanDemand = max(1, demand.reduce(0, +) / Double(max(1, vmCount)))
        let mb = engine.precopy.map(\.megabytes)
        let meanMB = max(1, mb.reduce(0, +) / Double(max(1, vmCount)))
        let kappa: Double = switch t {
        case 1: 1
        case 2: 1.5
        case 3: 0.6
        case 4: 0.25
        default: 0.08
        }
        moveCost = mb.map { kappa * ($0 / meanMB) * meanDemand }
        balanceWeight = t == 1 ? 0 : 1
        memoryWeight = t == 1 ? 0 : 0.25
        overWeight = t == 1 ? 0 : 2
        shouldPenalty = t == 1 ? 0 : 2 * kappa * meanDemand
        hardRules = inv.rules.filter { $0.policy.isHard }
        softRules = inv.rules.filter { !$0.policy.isHard }
        groupHosts = groupsOfHosts
        faultDomainOf = inv.faultDomainIndices()
        var budgets: [(Int, [Double], Double)] = []
        var vmBudgets = [[Int]](repeating: [], count: inv.vms.count)
        for (i, product) in inv.products.enumerated() where product.maxUnits > 0 && product.scope == .occupancy && product.metric != .perVCPU {
            for v in inv.vms.indices where inv.vms[v].products.contains(product.name) { vmBudgets[v].append(budgets.count) }
            budgets.append((i, inv.hosts.map { Licensing.unitsPerHost(product, $0) }, product.maxUnits))
        }
        self.budgets = budgets
        self.vmBudgets = vmBudgets
        affinityGroup = Self.affinityGroups(hardRules, vmCount: inv.vms.count)
    }

    /// Per VM, the members (sorted) of its must-affinity group, overlapping rules merged into one
    /// group; empty for a VM under no such rule.
    static func affinityGroups(_ rules: [Rule], vmCount: Int) -> [[Int]] {
        var parent = Array(0..<vmCount)
        func root(_ v: Int) -> Int {
            var r = v
            while parent[r] != r { r = parent[r] }
            return r
        }
        let affinity = rules.filter { $0.kind == .vmAffinity }
        for rule in affinity { for v in rule.vms.dropFirst() { parent[root(v)] = root(rule.vms[0]) } }
        var groups: [Int: Set<Int>] = [:]
        for rule in affinity { for v in rule.vms { groups[root(v), default: []].insert(v) } }
        var byVM = [[Int]](repeating: [], count: vmCount)
        for members in groups.values {
            let sorted = members.sorted()
            for v in sorted { byVM[v] = sorted }
        }
        return byVM
    }

    /// Whether a move of `v` counts against move caps (evacuations do not).
    public func counted(_ v: Int) -> Bool { !capExempt[home[v]] }

    /// With move caps, the number of moves is the scarce resource: moves are chosen by the
    /// improvement they buy, not by improvement per byte copied.
    public var movesAreScarce: Bool { maxMovesPerHost > 0 || maxMoves > 0 }

    /// The hosts the CPU imbalance σ counts (``Plan/Balance/imbalance``): those connected now. The
    /// plan's σ, the target search and the target's bound all use this set.
    public var imbalanceHosts: [Bool] { inventory.hosts.map { $0.state == .connected } }

    public func canHost(_ v: Int, _ h: Int) -> Bool { h == home[v] ? homeAllowed[v] : allowedSet[v].contains(h) }
}
