import ArgumentParser
import MigPlanCPU

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the named CPU models, EVC baselines and x86-64 levels in cpudb.")

    @OptionGroup var db: CPUDBOptions
    @Option(help: "Only models of this kind: libvirt, evc or level.")
    var kind: CPUModel.Kind?
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        let models = cpudb.models.filter { kind == nil || $0.kind == kind }
        if json {
            try Output.json(models.map { cpudb.document($0) })
            return
        }
        for k in CPUModel.Kind.allCases where kind == nil || k == kind {
            let group = models.filter { $0.kind == k }
            let title = switch k {
            case .libvirt: "libvirt / QEMU models"
            case .evc: "VMware EVC baselines"
            case .level: "x86-64 psABI levels"
            }
            print("\(title) (\(group.count)):")
            for m in group {
                let sig = m.signatures.map { s in
                    "\(s.family)/\(s.model)" + (s.steppings.map { "/\($0.lowerBound)-\($0.upperBound)" } ?? "")
                }.joined(separator: " ")
                let cols = [m.name.padding(toLength: 28, withPad: " ", startingAt: 0),
                            (m.vendor ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0),
                            String(m.features.count).leftPadded(4),
                            "  " + (m.title ?? sig)]
                print("  " + cols.joined(separator: " "))
            }
        }
    }
}

extension CPUModel.Kind: ExpressibleByArgument {}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
