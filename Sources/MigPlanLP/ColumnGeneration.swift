import CLPSolve
import Logging

/// What a solve by column generation did, beside its answer.
public struct PricingReport: Sendable, Hashable {
    /// Master solves (the first included).
    public var rounds: Int
    /// Columns the last master had.
    public var columns: Int
    /// The program's columns in all.
    public var totalColumns: Int
    /// The time limit ended the rounds before pricing found nothing more (the answer then
    /// depends on the clock).
    public var stoppedByClock: Bool
}

extension LinearProgram {
    /// Solves this linear program (a minimization; integrality ignored) by column generation:
    /// lp_solve solves a master with every row but only the `active` columns; the rows' duals price
    /// the others (reduced cost = objective coefficient − Σ dual·coefficient), the most negative
    /// `columnsPerRound` join the master, and lp_solve continues from its last basis. When no
    /// column prices out below zero the master's optimum is the program's: status `optimal`, and
    /// its objective is a bound. Inactive columns must have lower bound 0 (they sit there).
    ///
    /// The active columns must admit a feasible master (for an assignment model: a known
    /// placement's columns and every continuous variable). Stopped by `maxRounds` or the time
    /// limit before that, the answer is the last master solved (`feasible`, no bound;
    /// ``PricingReport/stoppedByClock`` says whether the clock did it); with none solved, `timeLimit`
    /// and no values. `infeasible` means the first master had no solution, not that the program has none.
    public func solveByPricing(active: [Bool], options: SolveOptions = SolveOptions(), maxRounds: Int = 200,
                               columnsPerRound: Int = 300, logger: Logger? = nil) -> (LPSolution, PricingReport) {
        let start = monotonicSeconds()
        let n = variables.count, m = constraints.count
        var report = PricingReport(rounds: 0, columns: 0, totalColumns: n, stoppedByClock: false)
        func failed(_ code: Int, _ status: LPSolution.Status = .failed) -> (LPSolution, PricingReport) {
            (LPSolution(status: status, objective: nil, values: [], bound: nil, seconds: monotonicSeconds() - start, solverCode: code), report)
        }
        guard sense == .minimize, active.count == n else { return failed(-1) }
        for j in 0..<n where !active[j] && variables[j].lower != 0 { return failed(-1) }

        // The program column by column: (row from 1, coefficient), and objective coefficients.
        var cost = [Double](repeating: 0, count: n)
        for t in objective { cost[t.variable.index] += t.coefficient }
        var entries = [[(row: Int32, value: Double)]](repeating: [], count: n)
        for (i, c) in constraints.enumerated() {
            for (j, value) in mergedTerms(c.terms) { entries[j].append((Int32(i + 1), value)) }
        }

        guard let lp = make_lp(Int32(m), 0) else { return failed(-2) }
        defer { delete_lp(lp) }
        set_verbose(lp, NEUTRAL)
        set_minim(lp)
        for (i, c) in constraints.enumerated() {
            let row = Int32(i + 1)
            set_constr_type(lp, row, c.relation.lpSolveType)
            set_rh(lp, row, c.rhs)
        }
        requestDuals(lp)
        // A crash basis for the first master (64 × 4,000 placement model: 91 simplex iterations
        // instead of 6,843); later masters start from the previous basis.
        set_basiscrash(lp, CRASH_LEASTDEGENERATE)
        // lp_solve column (from 1) → variable, and back.
        var inMaster: [Int] = []
        var isIn = [Bool](repeating: false, count: n)
        var values: [Double] = []
        var rows: [Int32] = []
        func add(_ j: Int) -> Bool {
            values.removeAll(keepingCapacity: true)
            rows.removeAll(keepingCapacity: true)
            if cost[j] != 0 { values.append(cost[j]); rows.append(0) }
            for e in entries[j] { values.append(e.value); rows.append(e.row) }
            guard add_columnex(lp, Int32(values.count), &values, &rows) != 0 else { return false }
            let column = Int32(inMaster.count + 1)
            set_bounds(lp, column, variables[j].lower, variables[j].upper ?? get_infinite(lp))
            inMaster.append(j)
            isIn[j] = true
            return true
        }
        for j in 0..<n where active[j] { guard add(j) else { return failed(-3) } }

        let state = AbortState(deadline: options.timeLimit.map { start + $0 }, calls: nil)
        let handle = Unmanaged.passRetained(state)
        defer { handle.release() }
        if options.timeLimit != nil { put_abortfunc(lp, abortCallback, handle.toOpaque()) }

        var converged = false
        var code: Int32 = NOTRUN
        // The last master solved: its values (lp_solve's columns), objective and column count; a
        // later master stopped by the clock leaves this as the answer.
        var last: (values: [Double], objective: Double, columns: Int)? = nil
        while report.rounds < maxRounds {
            if let limit = options.timeLimit {
                let left = limit - (monotonicSeconds() - start)
                guard left > 0 else { report.stoppedByClock = true; break }
                set_timeout(lp, max(1, Int(left.rounded(.up))))
            }
            code = CLPSolve.solve(lp)
            report.rounds += 1
            guard code == OPTIMAL || code == PRESOLVED else {
                if code == TIMEOUT || code == USERABORT || state.fired { report.stoppedByClock = true }
                break
            }
            var master = [Double](repeating: 0, count: inMaster.count)
            master.withUnsafeMutableBufferPointer { _ = get_variables(lp, $0.baseAddress) }
            last = (master, get_objective(lp), inMaster.count)
            guard let duals = rowDuals(lp, count: m) else { break }
            // Price every column outside the master.
            var entering: [(j: Int, rc: Double)] = []
            for j in 0..<n where !isIn[j] {
                var rc = cost[j]
                for e in entries[j] { rc -= duals[Int(e.row) - 1] * e.value }
                if rc < -1e-9 * max(1, abs(cost[j])) { entering.append((j, rc)) }
            }
            if entering.isEmpty { converged = true; break }
            // The last round allowed only says whether pricing was done.
            guard report.rounds < maxRounds else { break }
            entering.sort { ($0.rc, $0.j) < ($1.rc, $1.j) }
            for e in entering.prefix(columnsPerRound) { guard add(e.j) else { return failed(-3) } }
        }
        report.columns = last?.columns ?? inMaster.count
        let seconds = monotonicSeconds() - start
        logger?.debug("column generation finished", metadata: [
            "rounds": "\(report.rounds)", "columns": "\(report.columns)", "of": "\(n)", "seconds": "\(seconds)",
            "converged": "\(converged)", "stoppedByClock": "\(report.stoppedByClock)",
        ])
        guard let last else {
            // No master solved: infeasible (the active columns admit nothing), stopped, or failed.
            return failed(Int(code), code == INFEASIBLE ? .infeasible : code == UNBOUNDED ? .unbounded
                          : report.stoppedByClock || code == NOTRUN ? .timeLimit : .failed)
        }
        var full = [Double](repeating: 0, count: n)
        for (column, j) in inMaster.prefix(last.columns).enumerated() { full[j] = last.values[column] }
        let value = last.objective + objectiveConstant
        return (LPSolution(status: converged ? .optimal : .feasible, objective: value, values: full,
                           bound: converged ? value : nil, seconds: seconds, solverCode: Int(code)), report)
    }
}
