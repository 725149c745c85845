import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanROADEF

struct ROADEFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roadef",
        abstract: "The ROADEF/EURO 2012 machine-reassignment benchmark.",
        subcommands: [ROADEFEvaluate.self])
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
        let instance = try ROADEFInstance.parse(try read(model), file: model)
        let initial = try instance.parseAssignment(try read(assignment), file: assignment)
        let new = try solution.map { try instance.parseAssignment(try read($0), file: $0) } ?? initial
        let e = instance.evaluate(initial: initial, solution: new)
        if json {
            try Output.json(e)
        } else {
            print("\(e.feasible ? "feasible" : "INFEASIBLE"): total \(e.total) = load \(e.parts.load) + balance \(e.parts.balance) + process move \(e.parts.processMove) + service move \(e.parts.serviceMove) + machine move \(e.parts.machineMove); \(e.moved) processes moved")
            for v in e.violations { print("  \(v)") }
        }
        if !e.feasible { throw NegativeAnswer() }
    }

    private func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) }
        catch { throw MigPlanError.unreadableFile(path, reason: error.localizedDescription) }
    }
}
