/// A linear or mixed-integer program, described as a plain value.
///
/// Build one, then call ``LinearProgram/solve(_:)``: every solve creates its own lp_solve
/// instance, so programs can be solved on several threads at once.
public struct LinearProgram: Sendable, Hashable {
    public enum Sense: Sendable, Hashable { case minimize, maximize }
    public enum Relation: Sendable, Hashable { case lessOrEqual, greaterOrEqual, equal }

    /// A handle to a variable of this program (its column, from 0).
    public struct Variable: Sendable, Hashable, Comparable {
        public let index: Int
        public static func < (a: Variable, b: Variable) -> Bool { a.index < b.index }
    }

    public struct VariableSpec: Sendable, Hashable {
        public var name: String
        public var lower: Double
        /// `nil` = unbounded above.
        public var upper: Double?
        public var isInteger: Bool
    }

    public struct Term: Sendable, Hashable {
        public var variable: Variable
        public var coefficient: Double
        public init(_ variable: Variable, _ coefficient: Double) {
            self.variable = variable
            self.coefficient = coefficient
        }
    }

    public struct Constraint: Sendable, Hashable {
        public var name: String
        public var terms: [Term]
        public var relation: Relation
        public var rhs: Double
    }

    public private(set) var variables: [VariableSpec] = []
    public private(set) var constraints: [Constraint] = []
    public var sense: Sense = .minimize
    public private(set) var objective: [Term] = []
    public var objectiveConstant: Double = 0

    public init(sense: Sense = .minimize) { self.sense = sense }

    @discardableResult
    public mutating func addVariable(
        _ name: String = "", lower: Double = 0, upper: Double? = nil, integer: Bool = false
    ) -> Variable {
        variables.append(VariableSpec(name: name, lower: lower, upper: upper, isInteger: integer))
        return Variable(index: variables.count - 1)
    }

    /// A 0/1 variable.
    @discardableResult
    public mutating func addBinary(_ name: String = "") -> Variable {
        addVariable(name, lower: 0, upper: 1, integer: true)
    }

    public mutating func addConstraint(
        _ terms: [Term], _ relation: Relation, _ rhs: Double, name: String = ""
    ) {
        constraints.append(Constraint(name: name, terms: terms, relation: relation, rhs: rhs))
    }

    public mutating func setObjective(_ terms: [Term], constant: Double = 0) {
        objective = terms
        objectiveConstant = constant
    }

    /// The same program with every integrality requirement dropped (its LP relaxation).
    public var relaxation: LinearProgram {
        var copy = self
        for i in copy.variables.indices { copy.variables[i].isInteger = false }
        return copy
    }

    public var integerCount: Int { variables.lazy.filter(\.isInteger).count }
}

/// Limits and tolerances of one solve.
public struct SolveOptions: Sendable, Hashable {
    /// Wall-clock limit in seconds (fractions honoured); `nil` = none.
    public var timeLimit: Double?
    /// Relative MIP gap at which branch and bound may stop.
    public var relativeGap: Double
    /// Absolute MIP gap at which branch and bound may stop.
    public var absoluteGap: Double
    /// Integer programs only: solutions not better than this objective value are rejected during
    /// branch and bound (a known incumbent's value prunes the tree; with none better the status is
    /// `infeasible`).
    public var cutoff: Double?
    /// Branch on the ceiling (1) of an integer variable first: on assignment models this finds a
    /// first feasible solution sooner than lp_solve's default floor-first.
    public var ceilingFirst: Bool
    /// A deterministic work limit: the solve stops after this many of lp_solve's progress callbacks
    /// (like the time limit, keeping the best solution found), so a limited solve gives the same answer
    /// on every run and machine.
    public var workLimit: Int?
    /// Integer programs only: before calling an answer optimal, prove it. lp_solve 5.5's branch and
    /// bound can stop at a worse integer solution and report it as optimal; with this set, an
    /// "optimal" answer is checked by solving again with the objective required to beat it by the
    /// proof margin (see `proofMargin`), no incumbent in the tree: an infeasible re-solve proves the
    /// answer, a better solution found replaces it and is checked in turn. Costs about one more
    /// solve (each re-solve gets the same `workLimit`, and what is left of `timeLimit`); answers
    /// that cannot be checked in that time or work are `feasible`, not `optimal`.
    public var verifyOptimum: Bool
    /// Linear programs only: also return the optimum's dual values (one per constraint).
    public var duals: Bool = false

    public init(timeLimit: Double? = nil, relativeGap: Double = 1e-9, absoluteGap: Double = 1e-11,
                cutoff: Double? = nil, ceilingFirst: Bool = false, workLimit: Int? = nil, verifyOptimum: Bool = true) {
        self.timeLimit = timeLimit
        self.relativeGap = relativeGap
        self.absoluteGap = absoluteGap
        self.cutoff = cutoff
        self.ceilingFirst = ceilingFirst
        self.workLimit = workLimit
        self.verifyOptimum = verifyOptimum
    }

    /// How much better than a found answer a verifying re-solve must be: the requested gaps, and
    /// at least 10⁻⁷ relative so that the same answer within lp_solve's tolerances does not count
    /// as better. A verified optimum's `bound` is its value minus this margin.
    public func proofMargin(_ value: Double) -> Double {
        max(absoluteGap, relativeGap * abs(value), 1e-7 * max(1, abs(value)))
    }
}

/// The outcome of a solve.
public struct LPSolution: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Proven optimal (within the MIP gap for integer programs).
        case optimal
        /// A feasible solution, not proven optimal (stopped by the time limit or the gap).
        case feasible
        case infeasible
        case unbounded
        /// Stopped by the time limit before any feasible solution was found.
        case timeLimit
        /// The solver failed (numerical trouble, out of memory, bad model).
        case failed
    }

    public var status: Status
    /// Objective value of `values`, including the program's constant; `nil` without a solution.
    public var objective: Double?
    /// One value per variable, in variable order; empty without a solution.
    public var values: [Double]
    /// A proven bound on the optimum (below it when minimizing), where the solver had one.
    public var bound: Double?
    public var seconds: Double
    /// Raw lp_solve return code, for diagnostics.
    public var solverCode: Int
    /// With ``SolveOptions/duals`` on an LP solved to optimality: per constraint (in order), how
    /// much the optimum changes per unit increase of its right-hand side.
    public var duals: [Double]? = nil

    public var hasSolution: Bool { !values.isEmpty }

    public func value(_ v: LinearProgram.Variable) -> Double { values[v.index] }
}
