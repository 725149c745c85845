import MigPlanLicensing
import MigPlanMigration

/// One live migration of the plan.
public struct PlannedMove: Sendable, Hashable, Codable {
    public var vm: String
    public var from: String
    public var to: String
    /// 1-based; moves of one wave run at the same time, a wave starts when the previous ends.
    public var wave: Int
    public var seconds: Double
    public var downtimeMs: Double
    public var megabytes: Double
    public var reason: MoveReason
}

/// A migration plan: where every VM ends, the moves in waves, and the evidence.
public struct Plan: Sendable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Proven optimal for the objective (exact MILP, or achieved value equal to the bound).
        case optimal
        /// Valid, not proven optimal; `bound` says how far from optimal at most.
        case feasible
        /// The wall-clock limit cut the search short; the plan is still valid.
        case timeLimit = "time-limit"
        /// Nothing worth moving (and nothing mandatory).
        case noImprovement = "no-improvement"
        /// A hard constraint cannot be met; `infeasibilities` says which VM and which constraint.
        case infeasible
    }
    public struct Balance: Sendable, Hashable, Codable {
        /// σ of normalized CPU load over target hosts (the DRS figure).
        public var imbalance: Double
        /// σ of active memory / host memory.
        public var memoryImbalance: Double
        public var maxLoad: Double
    }
    public struct Infeasibility: Sendable, Hashable, Codable {
        public var vm: String
        public var constraint: String
    }

    public var status: Status
    public var moves: [PlannedMove]
    /// Host of every VM after the plan, in inventory order.
    public var placement: [(vm: String, host: String)]
    public var before: Balance
    public var after: Balance
    /// The objective minimised, the value the plan achieves and a proven lower bound.
    public var objectiveName: String
    public var achieved: Double
    public var lowerBound: Double?
    public var gap: Double? {
        guard let lb = lowerBound, achieved > 1e-9 else { return lowerBound == nil ? nil : 0 }
        return max(0, (achieved - lb) / achieved)
    }
    public var waves: Int
    public var migratedMiB: Double
    public var infeasibilities: [Infeasibility]
    /// Hosts emptied by `--goal consolidate` (to power off).
    public var emptiedHosts: [String]
    public var solverSeconds: Double
    /// How the result was reached (greedy, MILP…), for people.
    public var method: String
    /// The independent validator's findings: empty for every returned plan.
    public var violations: [String]
    /// Licence units and cost per product before and after the plan.
    public var licensesBefore: [LicenseUsage] = []
    public var licensesAfter: [LicenseUsage] = []
    /// The achieved objective, explained: its parts (they add up to `achieved`).
    public var objectiveParts: ObjectiveParts? = nil
    /// With ``PlanOptions/targetImbalance``: the target and whether the plan's σ reaches it.
    public var target: ImbalanceGoal? = nil
}

/// A plan's target imbalance (``PlanOptions/targetImbalance``).
public struct ImbalanceGoal: Sendable, Hashable, Codable {
    /// The σ asked for.
    public var imbalance: Double
    /// False when no plan the search found reaches it (the plan is then the most balanced found).
    public var reached: Bool
}

/// The parts of the objective a plan achieves (MHz-equivalents).
public struct ObjectiveParts: Sendable, Hashable, Codable {
    /// Σ |CPU demand − balanced level| over target hosts.
    public var cpuDeviation: Double
    /// The same for active memory, weighted and scaled to MHz.
    public var memoryDeviation: Double
    /// CPU demand above the headroom target, weighted.
    public var overHeadroom: Double
    /// Pre-copy bytes of the moves, weighted by the threshold.
    public var migrationCost: Double
    /// Broken should-rules.
    public var ruleViolations: Double
}

/// `migplan plan --json` (shared/spec/cli.md), plus the gap, waves and method.
public struct PlanDocument: Encodable, Sendable {
    public struct Bound: Encodable, Sendable {
        public var objective: String
        public var lower: Double?
        public var achieved: Double
        public var gap: Double?
        // `lower` is written as null when no bound was proven.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(objective, forKey: .objective)
            if let lower { try c.encode(lower, forKey: .lower) } else { try c.encodeNil(forKey: .lower) }
            try c.encode(achieved, forKey: .achieved)
            if let gap { try c.encode(gap, forKey: .gap) } else { try c.encodeNil(forKey: .gap) }
        }
        enum CodingKeys: String, CodingKey { case objective, lower, achieved, gap }
    }
    public struct Solver: Encodable, Sendable {
        public var seconds: Double
        public var method: String
    }
    public struct License: Encodable, Sendable {
        public var unitsBefore: Double
        public var unitsAfter: Double
        public var costBefore: Double
        public var costAfter: Double
    }
    public var status: Plan.Status
    public var moves: [PlannedMove]
    public var placement: [String: String]
    public var before: Plan.Balance
    public var after: Plan.Balance
    public var bound: Bound
    public var licenses: [String: License]
    public var solver: Solver
    public var waves: Int
    public var migratedMiB: Double
    public var infeasibilities: [Plan.Infeasibility]
    public var emptiedHosts: [String]
    public var objectiveParts: ObjectiveParts?
    public var target: ImbalanceGoal?

    public init(_ plan: Plan) {
        status = plan.status
        moves = plan.moves
        placement = Dictionary(plan.placement.map { ($0.vm, $0.host) }, uniquingKeysWith: { a, _ in a })
        before = plan.before
        after = plan.after
        bound = Bound(objective: plan.objectiveName, lower: plan.lowerBound, achieved: plan.achieved, gap: plan.gap)
        var licenses: [String: License] = [:]
        for (before, after) in zip(plan.licensesBefore, plan.licensesAfter) {
            licenses[before.product] = License(unitsBefore: before.units, unitsAfter: after.units,
                                               costBefore: before.cost, costAfter: after.cost)
        }
        self.licenses = licenses
        solver = Solver(seconds: plan.solverSeconds, method: plan.method)
        waves = plan.waves
        migratedMiB = plan.migratedMiB
        infeasibilities = plan.infeasibilities
        emptiedHosts = plan.emptiedHosts
        objectiveParts = plan.objectiveParts
        target = plan.target
    }
}
