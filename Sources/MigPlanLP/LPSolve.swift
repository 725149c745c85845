import CLPSolve
import Foundation
import Logging

/// Deadline shared with lp_solve's abort callback. One per solve, owned by the solving thread.
final class AbortState: @unchecked Sendable {
    let deadline: Double?
    /// Calls of the callback still allowed (a deterministic work limit), or nil.
    var callsLeft: Int?
    /// Set by the callback when it stopped the solve (read after `solve` returns).
    var fired = false
    init(deadline: Double?, calls: Int?) {
        self.deadline = deadline
        callsLeft = calls
    }
}

/// Why ``LinearProgram/writeMPS(to:)`` failed.
public struct LPExportError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Where building an lp_solve instance failed (the codes ``LPSolution/solverCode`` reports).
enum LprecFailure: Int, Error {
    case create = -2
    case load = -3
}

/// Seconds on the monotonic clock: deadlines and timings, never the wall clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let abortCallback: @convention(c) (UnsafeMutablePointer<lprec>?, UnsafeMutableRawPointer?) -> Int32 = { _, handle in
    guard let handle else { return 0 }
    let state = Unmanaged<AbortState>.fromOpaque(handle).takeUnretainedValue()
    if let calls = state.callsLeft {
        if calls <= 0 {
            state.fired = true
            return 1
        }
        state.callsLeft = calls - 1
    }
    guard let deadline = state.deadline else { return 0 }
    if monotonicSeconds() >= deadline {
        state.fired = true
        return 1
    }
    return 0
}

extension LinearProgram {
    /// Solves the program with a fresh lp_solve instance. Blocking; call it off the
    /// cooperative thread pool for long solves. Integer programs' optimal answers are proven by a
    /// re-solve unless `options.verifyOptimum` is off.
    public func solve(_ options: SolveOptions = SolveOptions(), logger: Logger? = nil) -> LPSolution {
        let start = monotonicSeconds()
        var best = solveOnce(options, logger: logger)
        guard options.verifyOptimum, best.status == .optimal, integerCount > 0, !objective.isEmpty else { return best }
        var rest = options
        rest.cutoff = nil
        for _ in 0..<8 {
            guard let value = best.objective else { return best }
            let margin = options.proofMargin(value)
            var check = self
            // Beat the answer by the margin; no incumbent is carried into the re-solve.
            if sense == .minimize {
                check.addConstraint(objective, .lessOrEqual, value - objectiveConstant - margin)
            } else {
                check.addConstraint(objective, .greaterOrEqual, value - objectiveConstant + margin)
            }
            if let limit = options.timeLimit {
                rest.timeLimit = limit - (monotonicSeconds() - start)
                if rest.timeLimit! <= 0 { return best.unproven(seconds: monotonicSeconds() - start) }
            }
            let better = check.solveOnce(rest, logger: logger)
            switch better.status {
            case .infeasible:
                best.bound = sense == .minimize ? value - margin : value + margin
                best.seconds = monotonicSeconds() - start
                return best
            case .optimal where better.hasSolution:
                logger?.debug("lp_solve's optimum was not optimal; the re-solve found a better one",
                              metadata: ["reported": "\(value)", "better": "\(better.objective ?? .nan)"])
                best = better
            case .feasible where better.hasSolution && (better.objective.map { sense == .minimize ? $0 < value : $0 > value } ?? false):
                return better.unproven(seconds: monotonicSeconds() - start)
            default:
                return best.unproven(seconds: monotonicSeconds() - start)
            }
        }
        return best.unproven(seconds: monotonicSeconds() - start)
    }

    /// Whether `values` keep every bound, constraint and integrality requirement (within 10⁻⁶,
    /// relative to the size of each side).
    func isSolution(_ values: [Double]) -> Bool {
        let eps = 1e-6
        for (i, v) in variables.enumerated() {
            let x = values[i]
            if x < v.lower - eps * max(1, abs(v.lower)) { return false }
            if let u = v.upper, x > u + eps * max(1, abs(u)) { return false }
            if v.isInteger && abs(x - x.rounded()) > eps { return false }
        }
        for c in constraints {
            var lhs = 0.0, scale = abs(c.rhs)
            for t in c.terms {
                lhs += t.coefficient * values[t.variable.index]
                scale = max(scale, abs(t.coefficient * values[t.variable.index]))
            }
            let tol = eps * max(1, scale)
            switch c.relation {
            case .lessOrEqual: if lhs > c.rhs + tol { return false }
            case .greaterOrEqual: if lhs < c.rhs - tol { return false }
            case .equal: if abs(lhs - c.rhs) > tol { return false }
            }
        }
        return true
    }

    /// A new lp_solve instance holding this program (the caller deletes it), or the stage that
    /// failed; with `names`, the variables' and constraints' names too (for files, not for solves).
    private func makeLprec(names: Bool = false) -> Result<UnsafeMutablePointer<lprec>, LprecFailure> {
        guard let lp = make_lp(0, Int32(variables.count)) else { return .failure(.create) }
        set_verbose(lp, NEUTRAL)
        set_add_rowmode(lp, 1)

        for (i, v) in variables.enumerated() {
            let column = Int32(i + 1)
            set_bounds(lp, column, v.lower, v.upper ?? get_infinite(lp))
            if v.isInteger { set_int(lp, column, 1) }
            if names && !v.name.isEmpty { _ = v.name.withCString { set_col_name(lp, column, UnsafeMutablePointer(mutating: $0)) } }
        }

        var row = [Double](repeating: 0, count: variables.count + 1)
        var columns = [Int32](repeating: 0, count: variables.count + 1)
        func load(_ terms: [Term]) -> Int32 {
            var n: Int32 = 0
            for (index, value) in mergedTerms(terms) {
                row[Int(n)] = value
                columns[Int(n)] = Int32(index + 1)
                n += 1
            }
            return n
        }

        var n = load(objective)
        guard set_obj_fnex(lp, n, &row, &columns) != 0 else { delete_lp(lp); return .failure(.load) }
        if sense == .maximize { set_maxim(lp) } else { set_minim(lp) }

        for (i, c) in constraints.enumerated() {
            n = load(c.terms)
            guard add_constraintex(lp, n, &row, &columns, c.relation.lpSolveType, c.rhs) != 0 else { delete_lp(lp); return .failure(.load) }
            if names && !c.name.isEmpty { _ = c.name.withCString { set_row_name(lp, Int32(i + 1), UnsafeMutablePointer(mutating: $0)) } }
        }
        set_add_rowmode(lp, 0)
        return .success(lp)
    }

    /// Writes the program in free MPS format (lp_solve's `write_freemps`), for another solver or
    /// for a look at the model. A nonzero ``objectiveConstant`` becomes a column fixed at 1 with
    /// that cost, so the file's optimum equals this program's.
    public func writeMPS(to path: String) throws(LPExportError) {
        var program = self
        if objectiveConstant != 0 {
            let one = program.addVariable("objective_constant", lower: 1, upper: 1)
            program.setObjective(objective + [Term(one, objectiveConstant)])
        }
        guard case .success(let lp) = program.makeLprec(names: true) else { throw LPExportError(path: path, reason: "lp_solve could not build the model") }
        defer { delete_lp(lp) }
        let written = path.withCString { name in write_freemps(lp, UnsafeMutablePointer(mutating: name)) }
        guard written != 0 else { throw LPExportError(path: path, reason: "lp_solve could not write the file") }
    }

    private func solveOnce(_ options: SolveOptions, logger: Logger?) -> LPSolution {
        let start = monotonicSeconds()
        func failed(_ code: Int) -> LPSolution {
            LPSolution(status: .failed, objective: nil, values: [], bound: nil,
                       seconds: monotonicSeconds() - start, solverCode: code)
        }
        let lp: UnsafeMutablePointer<lprec>
        switch makeLprec() {
        case .success(let made): lp = made
        case .failure(let code): return failed(code.rawValue)
        }
        defer { delete_lp(lp) }

        set_mip_gap(lp, 1, options.absoluteGap)
        set_mip_gap(lp, 0, options.relativeGap)
        if let cutoff = options.cutoff { set_obj_bound(lp, cutoff) }
        if options.ceilingFirst { set_bb_floorfirst(lp, BRANCH_CEILING) }
        let wantDuals = options.duals && integerCount == 0
        if wantDuals { requestDuals(lp) }
        let state = AbortState(deadline: options.timeLimit.map { start + $0 }, calls: options.workLimit)
        let handle = Unmanaged.passRetained(state)
        defer { handle.release() }
        if let limit = options.timeLimit {
            // Whole seconds inside the simplex, and the abort callback for the fraction.
            set_timeout(lp, max(1, Int(limit.rounded(.up))))
        }
        if options.timeLimit != nil || options.workLimit != nil { put_abortfunc(lp, abortCallback, handle.toOpaque()) }

        let code = Int(CLPSolve.solve(lp))
        let seconds = monotonicSeconds() - start
        logger?.debug("lp_solve finished", metadata: [
            "code": "\(code)", "columns": "\(variables.count)", "rows": "\(constraints.count)",
            "seconds": "\(seconds)",
        ])

        let hasIncumbent = code == Int(OPTIMAL) || code == Int(SUBOPTIMAL) || code == Int(PRESOLVED)
        let status: LPSolution.Status
        switch Int32(code) {
        case OPTIMAL, PRESOLVED: status = .optimal
        case SUBOPTIMAL:
            // lp_solve also says SUBOPTIMAL when branch and bound stopped at the MIP gap; only a
            // stop by the clock leaves the answer unproven.
            let timedOut = state.fired || options.timeLimit.map { seconds >= $0 - 1e-3 } ?? false
            status = timedOut ? .feasible : .optimal
        case INFEASIBLE: status = .infeasible
        case UNBOUNDED: status = .unbounded
        case TIMEOUT, USERABORT: status = .timeLimit
        default: status = .failed
        }
        // lp_solve reports an unbounded column it meets in presolve-like shortcuts as "optimal"
        // at its infinity; call that what it is.
        if hasIncumbent, abs(get_objective(lp)) >= get_infinite(lp) {
            return LPSolution(status: .unbounded, objective: nil, values: [], bound: nil,
                              seconds: seconds, solverCode: code)
        }
        guard hasIncumbent else {
            return LPSolution(status: status, objective: nil, values: [], bound: nil,
                              seconds: seconds, solverCode: code)
        }
        var values = [Double](repeating: 0, count: variables.count)
        values.withUnsafeMutableBufferPointer { buffer in
            _ = get_variables(lp, buffer.baseAddress)
        }
        // Defensive: stopped early, lp_solve's branch and bound can construct a last point from
        // the simplex it was in (lp_mipbb.c), not integral and from the dual simplex not even
        // feasible. Not seen with this build (stopped solves without an incumbent come back as
        // TIMEOUT/USERABORT), but only a point that keeps every bound, row and integrality
        // requirement counts as a solution.
        if status == .feasible && !isSolution(values) {
            return LPSolution(status: .timeLimit, objective: nil, values: [], bound: nil,
                              seconds: seconds, solverCode: code)
        }
        let objectiveValue = get_objective(lp) + objectiveConstant
        var bound: Double? = nil
        if status == .optimal {
            // A pure LP's optimum is its own bound; a MILP stopped within its gap is at most
            // that gap away from the optimum.
            let slack = integerCount == 0
                ? 0 : max(options.absoluteGap, options.relativeGap * abs(objectiveValue))
            bound = sense == .minimize ? objectiveValue - slack : objectiveValue + slack
        }
        var solution = LPSolution(status: status, objective: objectiveValue, values: values, bound: bound,
                                  seconds: seconds, solverCode: code)
        if wantDuals && status == .optimal { solution.duals = rowDuals(lp, count: constraints.count) }
        return solution
    }
}

extension LPSolution {
    /// The same answer without a claim of optimality.
    fileprivate func unproven(seconds: Double) -> LPSolution {
        var copy = self
        copy.status = .feasible
        copy.bound = nil
        copy.seconds = seconds
        return copy
    }
}

// MARK: - Shared with column generation

extension LinearProgram.Relation {
    /// lp_solve's row type.
    var lpSolveType: Int32 {
        switch self {
        case .lessOrEqual: LE
        case .greaterOrEqual: GE
        case .equal: EQ
        }
    }
}

/// Terms with each variable once, as lp_solve wants them per row: coefficients summed, zeros
/// dropped, by variable index.
func mergedTerms(_ terms: [LinearProgram.Term]) -> [(index: Int, value: Double)] {
    var sums: [Int: Double] = [:]
    for t in terms { sums[t.variable.index, default: 0] += t.coefficient }
    return sums.sorted { $0.key < $1.key }.filter { $0.value != 0 }.map { ($0.key, $0.value) }
}

/// Asks lp_solve for the rows' duals at the next solve. Through its presolve flags: `PRESOLVE_DUALS`;
/// `PRESOLVE_SENSDUALS` would add their ranges, measured 5–10 times slower per solve on placement
/// models (0.5–0.7 s per solve at 7,000 rows).
func requestDuals(_ lp: UnsafeMutablePointer<lprec>) {
    set_presolve(lp, PRESOLVE_DUALS, get_presolveloops(lp))
}

/// The duals of the first `count` rows after an optimal solve (lp_solve's array holds the rows'
/// duals, then the columns' reduced costs): ∂objective/∂right-hand side per row.
func rowDuals(_ lp: UnsafeMutablePointer<lprec>, count: Int) -> [Double]? {
    var pointer: UnsafeMutablePointer<Double>? = nil
    guard get_ptr_sensitivity_rhs(lp, &pointer, nil, nil) != 0, let pointer else { return nil }
    return (0..<count).map { pointer[$0] }
}
