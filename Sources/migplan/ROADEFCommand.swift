import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanOptimizer
import MigPlanROADEF

struct ROADEFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roadef",
        abstract: "The ROADEF/EURO 2012 machine-reassignment benchmark.",
        discussion: "`migplan roadef MODEL ASSIGNMENT` optimizes (the default subcommand); `migplan roadef evaluate` prices an assignment.",
        subcommands: [ROADEFOptimize.self, ROADEFEvaluate.self],
        defaultSubcommand: ROADEFOptimize.self)
}

private func describe(_ e: ROADEFEvaluation) -> String {
    "total \(e.total) = load \(e.parts.load) + balance \(e.parts.balance) + process move \(e.parts.processMove) + service move \(e.parts.serviceMove) + machine move \(e.parts.machineMove)"
}

struct ROADEFOptimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Reassign processes with migplan's reassignment search and write the new assignment.",
        discussion: """
            Prints the objective and its five parts before and after. The result is checked by the optimizer's \
            validator and again by the challenge evaluator before it is written. Exit status 0, or 2 on bad input.
            """)

    @Argument(help: "The instance (model_*.txt).") var model: String
    @Argument(help: "The initial assignment (assignment_*.txt).") var assignment: String
    @Option(name: .shortAndLong, help: "Write the new assignment here (the challenge's format).") var output: String?
    @Option(help: "Wall-clock limit in seconds.") var timeLimit: Double = 60
    @Option(help: "Random seed (same seed and move budget: same result).") var seed: UInt64 = 1
    @Option(help: "Moves each worker evaluates before stopping (reproducible runs); default: until the time limit.")
    var moveBudget: Int?
    @Option(help: "Parallel searches (default: the number of cores).") var workers: Int?
    @Flag(help: "Skip the exact (lp_solve) rounds that send moved processes home together; local search only.")
    var noExactReturns = false
    @Flag(help: "Print one JSON document.") var json = false

    struct Report: Encodable {
        var instance: String
        var status: String
        var seconds: Double
        var before: ROADEFEvaluation.Parts
        var after: ROADEFEvaluation.Parts
        var initialCost: Int64
        var cost: Int64
        var moved: Int
        var evaluatedMoves: Int
        var output: String?
    }

    func run() throws {
        let instance = try ROADEFInstance.parse(try readText(model), file: model)
        let initial = try instance.parseAssignment(try readText(assignment), file: assignment)
        guard timeLimit >= 0 else { throw ValidationError("--time-limit must be ≥ 0") }
        let options = ReassignmentOptions(timeLimit: timeLimit, moveBudget: moveBudget, seed: seed,
                                          workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
                                          exactReturns: !noExactReturns)
        let result = try instance.reassignmentModel(initial: initial).optimize(options)
        let before = instance.evaluate(initial: initial, solution: initial)
        let after = instance.evaluate(initial: initial, solution: result.assignment)
        guard after.feasible, after.total == result.after.total else {
            throw MigPlanError.invalidInput(file: "migplan (internal check)", line: nil, keyPath: nil,
                                            message: "the challenge evaluator disagrees with the optimizer: \(after.violations.first ?? "total \(after.total) ≠ \(result.after.total)")")
        }
        if let output {
            let text = result.assignment.map(String.init).joined(separator: " ") + "\n"
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) }
            catch { throw MigPlanError.unreadableFile(output, reason: "cannot write: \(error.localizedDescription)") }
        }
        if json {
            try Output.json(Report(instance: model, status: result.status.rawValue, seconds: result.seconds, before: before.parts,
                                   after: after.parts, initialCost: before.total, cost: after.total, moved: after.moved,
                                   evaluatedMoves: result.evaluated, output: output))
        } else {
            print("before: \(describe(before))")
            print("after:  \(describe(after))")
            let pct = before.total > 0 ? 100 * Double(before.total - after.total) / Double(before.total) : 0
            print("\(after.moved) processes moved; cost \(String(format: "%.2f", pct)) % lower; \(result.evaluated) moves evaluated in \(String(format: "%.1f", result.seconds)) s (\(result.status == .timeLimit ? "stopped by the time limit: another run may differ" : "move budget spent: reproducible with --seed \(seed)"))")
            if let output { print("written to \(output)") }
        }
    }
}

struct ROADEFEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Check an assignment against the challenge's hard constraints and price it.",
        discussion: "Exit status 0 when feasible, 1 when a hard constraint is violated, 2 on bad input.")

    @Argument(help: "The instance (model_*.txt).") var model: String
    @Argument(help: "The initial assignment (assignment_*.txt).") var assignment: String
    @Argument(help: "A new assignment to evaluate (default: the initial one).") var solution: String?
    @Flag(help: "Print one JSON document.") var json = false

    func run() throws {
        let instance = try ROADEFInstance.parse(try readText(model), file: model)
        let initial = try instance.parseAssignment(try readText(assignment), file: assignment)
        let new = try solution.map { try instance.parseAssignment(try readText($0), file: $0) } ?? initial
        let e = instance.evaluate(initial: initial, solution: new)
        if json {
            try Output.json(e)
        } else {
            print("\(e.feasible ? "feasible" : "INFEASIBLE"): \(describe(e)); \(e.moved) processes moved")
            for v in e.violations { print("  \(v)") }
        }
        if !e.feasible { throw NegativeAnswer() }
    }
}
