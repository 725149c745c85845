import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanLP
import MigPlanOptimizer

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "A migration plan: which VMs move where, in which waves, and why.",
        discussion: "Exit status 0 with a plan (also when nothing needs to move), 1 when the inventory is infeasible, 2 on bad input.")

    @OptionGroup var db: CPUDBOptions
    @Argument(help: "The cluster inventory (YAML or JSON; - reads standard input).")
    var inventory: String
    @Option(help: "1 conservative (mandatory moves only) … 5 aggressive; default: the inventory's.")
    var threshold: Int?
    @Option(help: "At most this many moves (evacuations not counted); 0 = no cap.")
    var maxMoves: Int?
    @Option(help: "Wall-clock limit of the search, in seconds.")
    var timeLimit: Double = 10
    @Option(help: "Evacuate this host as well (repeatable).")
    var evacuate: [String] = []
    @Option(help: "balance (default) or consolidate (empty hosts the rest can carry).")
    var goal: PlanOptions.Goal = .balance
    @Option(help: ArgumentHelp("Balance until the CPU imbalance σ is at most this (DRS's target host load standard deviation), copying as few bytes as the search finds.",
                               valueName: "sigma"))
    var targetImbalance: Double?
    @Option(help: ArgumentHelp("Try the exact MILP when the model has at most this many binaries.", visibility: .hidden))
    var exactLimit: Int = 160
    @Flag(help: "Print one JSON document.")
    var json = false
    @Option(help: ArgumentHelp("Also write the full placement model (free MPS) here, for another solver; licence unit budgets are not in it; with --target-imbalance, the model of its bound.",
                               valueName: "file"))
    var writeModel: String?

    func validate() throws {
        if let t = threshold, !(1...5).contains(t) { throw ValidationError("--threshold takes 1…5") }
        if let m = maxMoves, m < 0 { throw ValidationError("--max-moves takes 0 or more") }
        if !(timeLimit > 0) { throw ValidationError("--time-limit takes a positive number of seconds") }
        if let t = targetImbalance {
            if !(t >= 0 && t.isFinite) { throw ValidationError("--target-imbalance takes a σ of normalized load, 0 or more (e.g. 0.05)") }
            if goal != .balance { throw ValidationError("--target-imbalance goes with --goal balance") }
        }
    }

    func run() throws {
        let cpudb = try db.load()
        let inv = try Inventory.load(path: inventory, db: cpudb)
        var options = PlanOptions(threshold: threshold, maxMoves: maxMoves, timeLimit: timeLimit, evacuate: evacuate, goal: goal,
                                  exactBinaryLimit: exactLimit)
        options.targetImbalance = targetImbalance
        let optimizer = Optimizer(db: cpudb)
        if let writeModel {
            do { try optimizer.model(inv, options: options).writeMPS(to: writeModel) }
            catch let error as LPExportError { throw MigPlanError.unreadableFile(writeModel, reason: "cannot write the model: \(error.reason)") }
        }
        let plan = try optimizer.plan(inv, options: options)
        if json {
            try Output.json(PlanDocument(plan))
        } else {
            printPlan(plan, inv)
        }
        if plan.status == .infeasible { throw NegativeAnswer() }
    }

    private func printPlan(_ plan: Plan, _ inv: Inventory) {
        print("\(inv.cluster.name): \(plan.status.rawValue)")
        if plan.status == .infeasible {
            for i in plan.infeasibilities { print("  \(i.vm): \(i.constraint)") }
            return
        }
        print(String(format: "  CPU imbalance σ %.3f → %.3f, memory σ %.3f → %.3f, max load %.0f%% → %.0f%%",
                     plan.before.imbalance, plan.after.imbalance, plan.before.memoryImbalance, plan.after.memoryImbalance,
                     plan.before.maxLoad * 100, plan.after.maxLoad * 100))
        if let t = plan.target {
            print(String(format: "  target imbalance σ ≤ %.4f: %@", t.imbalance,
                         (t.reached ? "reached" : "not reached (the most balanced plan found)") as NSString))
        }
        print(String(format: "  %d move%@ in %d wave%@, %.1f GiB to copy", plan.moves.count, plan.moves.count == 1 ? "" : "s",
                     plan.waves, plan.waves == 1 ? "" : "s", plan.migratedMiB / 1024))
        var objective = String(format: "  objective (%@): %.1f", plan.objectiveName, plan.achieved)
        if let lb = plan.lowerBound, let gap = plan.gap { objective += String(format: ", proven lower bound %.1f, gap %.2f%%", lb, gap * 100) }
        print(objective + String(format: "; %.2f s (%@)", plan.solverSeconds, plan.method))
        if let parts = plan.objectiveParts {
            print(String(format: "    = CPU deviation %.1f + memory deviation %.1f + over headroom %.1f + migration cost %.1f + should-rules %.1f",
                         parts.cpuDeviation, parts.memoryDeviation, parts.overHeadroom, parts.migrationCost, parts.ruleViolations))
        }
        if !plan.emptiedHosts.isEmpty { print("  hosts emptied (can power off): " + plan.emptiedHosts.joined(separator: ", ")) }
        var wave = 0
        for m in plan.moves {
            if m.wave != wave {
                wave = m.wave
                let seconds = plan.moves.filter { $0.wave == wave }.map(\.seconds).max() ?? 0
                print(String(format: "  wave %d (≈ %.0f s):", wave, seconds))
            }
            print(String(format: "    %@  %@ → %@  %@, %.0f MiB, %.1f s, downtime %.0f ms",
                         m.vm.padding(toLength: 14, withPad: " ", startingAt: 0) as NSString, m.from as NSString, m.to as NSString,
                         m.reason.rawValue as NSString, m.megabytes, m.seconds, m.downtimeMs))
        }
    }
}

extension PlanOptions.Goal: ExpressibleByArgument {}
