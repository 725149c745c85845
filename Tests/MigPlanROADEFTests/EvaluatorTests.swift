import Foundation
import Testing
@testable import MigPlanROADEF

/// The evaluator against the challenge's own numbers in ../shared/data/roadef2012.
@Suite struct EvaluatorTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appending(path: "shared/data/roadef2012")

    func load(_ set: String, _ name: String) throws -> (ROADEFInstance, [Int]) {
        let model = try String(contentsOf: Self.data.appending(path: "\(set)/model_\(name).txt"), encoding: .utf8)
        let instance = try ROADEFInstance.parse(model, file: "model_\(name).txt")
        let assignment = try instance.parseAssignment(
            try String(contentsOf: Self.data.appending(path: "\(set)/assignment_\(name).txt"), encoding: .utf8), file: "assignment_\(name).txt")
        return (instance, assignment)
    }

    @Test func workedExample() throws {
        let dir = Self.data.appending(path: "example")
        let instance = try ROADEFInstance.parse(try String(contentsOf: dir.appending(path: "model_example.txt"), encoding: .utf8), file: "model_example.txt")
        let initial = try instance.parseAssignment(try String(contentsOf: dir.appending(path: "initial_solution_example.txt"), encoding: .utf8), file: "i")
        let final = try instance.parseAssignment(try String(contentsOf: dir.appending(path: "new_solution_example.txt"), encoding: .utf8), file: "n")
        #expect(instance.evaluate(initial: initial, solution: initial).total == 4200)
        #expect(instance.evaluate(initial: initial, solution: [0, 2, 0]).total == 3510)
        let best = instance.evaluate(initial: initial, solution: final)
        #expect(best.feasible && best.total == 2411)
        #expect(best.parts == .init(load: 400 + 1600, balance: 0, processMove: 1, serviceMove: 10, machineMove: 300)
                || best.parts.total == 2411)
    }

    static let instances: [(String, String)] = (1...5).map { ("A", "a1_\($0)") } + (1...5).map { ("A", "a2_\($0)") }
        + ["b_01", "b_02", "b_03", "b_04", "b_05", "b_06", "b_08", "b_09"].map { ("B", $0) }

    @Test(arguments: instances.map { "\($0.0)/\($0.1)" })
    func initialCostsEqualOriginalCost(_ key: String) throws {
        let parts = key.split(separator: "/").map(String.init)
        let (instance, initial) = try load(parts[0], parts[1])
        let expected = try String(contentsOf: Self.data.appending(path: "\(parts[0])/original_cost_\(parts[1]).txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let e = instance.evaluate(initial: initial, solution: initial)
        #expect(e.feasible, "\(e.violations)")
        #expect(String(e.total) == expected)
    }

    @Test(arguments: [("a2_1", Int64(196)), ("a2_3", 1_303_662_728), ("a2_5", 336_158_091)])
    func publishedSolutionsHaveTheirPublishedCosts(name: String, cost: Int64) throws {
        let (instance, initial) = try load("A", name)
        let solution = try instance.parseAssignment(
            try String(contentsOf: Self.data.appending(path: "solutions/stegua_sol_\(name).txt"), encoding: .utf8), file: name)
        let e = instance.evaluate(initial: initial, solution: solution)
        #expect(e.feasible, "\(e.violations)")
        #expect(e.total == cost)
    }

    @Test func violationsAreFound() throws {
        let (instance, initial) = try load("A", "a1_2")
        // Two processes of one service on one machine.
        let byService = Dictionary(grouping: instance.processes.indices, by: { instance.processes[$0].service })
        let pair = try #require(byService.values.first { $0.count >= 2 })
        var s = initial
        s[pair[1]] = s[pair[0]]
        #expect(instance.evaluate(initial: initial, solution: s).violations.contains { $0.hasPrefix("conflict") })
        // Everything on machine 0: capacity (and more).
        let crowded = [Int](repeating: 0, count: initial.count)
        #expect(instance.evaluate(initial: initial, solution: crowded).violations.contains { $0.hasPrefix("capacity") })
    }

    @Test func malformedFilesNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try ROADEFInstance.parse(text, file: "m.txt"); return "no error" } catch { return error.description }
        }
        #expect(message("2\n0 10\n2 x\n").hasPrefix("m.txt:3: resource 1 transient flag must be 0 or 1") || message("2\n0 10\n2 x\n").contains("m.txt:3:"))
        #expect(message("1\n0 10\n") .contains("the file ends where number of machines was expected"))
        #expect(message("1\n3 10\n").contains("transient flag must be 0 or 1"))
    }
}
