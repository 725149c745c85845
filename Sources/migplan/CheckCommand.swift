import ArgumentParser
import MigPlanCPU

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Can a VM exposing SRC's CPU live-migrate to DST?",
        discussion: "Exit status 0 when it can, 1 when it cannot, 2 on bad input.")

    @OptionGroup var db: CPUDBOptions
    @Argument(help: "The CPU the guest runs on or was started with: a model name or a host file.")
    var source: String
    @Argument(help: "The destination host's CPU: a model name or a host file.")
    var destination: String
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        let src = try cpudb.resolveHost(source)
        let dst = try cpudb.resolveHost(destination)
        let result = cpudb.compare(src, dst)
        if json {
            try Output.json(cpudb.document(result))
        } else {
            print("\(src.name) → \(dst.name): \(result.compatible ? "yes, compatible" : "no, incompatible") (verdict: \(result.verdict.rawValue))")
            for cpu in [src, dst] {
                let s = cpudb.summary(cpu)
                var line = "  \(cpu.name): \(cpu.vendor ?? "any vendor"), \(s.featureCount) features"
                if let sig = cpu.signature { line += ", \(sig)" }
                if let u = s.microarchitecture { line += " (\(u))" }
                print(line)
            }
            for r in result.reasons { print("  [\(r.kind)] \(r.detail)") }
            if !result.missing.isEmpty {
                print("  missing on \(dst.name) (\(result.missing.count)):")
                print(Output.list(result.missing))
            }
            if !result.extra.isEmpty {
                print("  extra on \(dst.name) (\(result.extra.count)):")
                print(Output.list(result.extra))
            }
            if !result.ignored.isEmpty {
                print("  not compared (non-migratable): \(result.ignored.joined(separator: ", "))")
            }
        }
        if !result.compatible { throw NegativeAnswer() }
    }
}
