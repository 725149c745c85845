import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanReports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "What-if licence-cost report: each scenario is an optimizer run, priced.",
        discussion: """
            Scenarios: current, confine:PRODUCT, consolidate, metric:PRODUCT=METRIC[,key=value…], \\
            remove-host:HOST, add-host:NAME:MODEL:SOCKETSxCORES[:MEMORY_GiB]. Without --scenario: \\
            current, consolidate and confine: for every product.
            """)

    @OptionGroup var db: CPUDBOptions
    @Argument(help: "The cluster inventory (YAML or JSON; - reads standard input).")
    var inventory: String
    @Option(name: .customLong("scenario"), help: "A scenario (repeatable).")
    var scenarios: [String] = []
    @Option(help: ArgumentHelp("Also write a self-contained HTML page here.", valueName: "FILE"))
    var html: String?
    @Option(help: ArgumentHelp("Also write CSV here.", valueName: "FILE"))
    var csv: String?
    @Option(help: "Time limit of each optimizer run, seconds.")
    var timeLimit: Double = 10
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        let inv = try Inventory.load(path: inventory, db: cpudb)
        var list: [Scenario] = []
        for s in scenarios { list.append(try Scenario.parse(s)) }
        if list.isEmpty { list = [.current, .consolidate] + inv.products.map { .confine(product: $0.name) } }
        let report = try ReportBuilder(db: cpudb, timeLimit: timeLimit).report(inv, scenarios: list)
        if let html { try write(ReportWriter.html(report), to: html) }
        if let csv { try write(ReportWriter.csv(report), to: csv) }
        if json { try Output.json(report) } else { print(ReportWriter.table(report)) }
    }

    private func write(_ text: String, to path: String) throws {
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why = exists && isDirectory.boolValue ? "is a directory"
                : !FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) ? "its folder does not exist"
                : "not writable"
            throw MigPlanError.invalidInput(file: path, line: nil, keyPath: nil, message: "cannot write the report: \(why)")
        }
    }
}
