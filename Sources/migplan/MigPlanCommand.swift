import ArgumentParser
import Foundation
import MigPlanCPU

/// The `migplan` command: argument parsing and printing only; the work is in the libraries.
struct MigPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migplan",
        abstract: "Plan live migrations offline: CPU compatibility and masks, readiness, placement plans in waves, licence what-ifs.",
        discussion: """
            Exit status: 0 success or compatible, 1 a valid answer of "no" (incompatible, \
            baseline impossible, infeasible plan), 2 bad usage or bad input.
            A HOST is a cpudb model name (see `migplan models`) or a file: a host descriptor \
            (YAML/JSON, as `migplan probe --json` writes), a raw CPUID dump (AIDA64, InstLatX64, \
            libcpuid, `cpuid -r`), libvirt XML (capabilities, domcapabilities, <cpu>, <cpudata>) \
            or a copy of /proc/cpuinfo. With --inventory, host and VM names of the inventory.
            """,
        version: "0.1.0",
        subcommands: [ModelsCommand.self, FeaturesCommand.self, CheckCommand.self, BaselineCommand.self, ProbeCommand.self,
                      ExplainCommand.self, MatrixCommand.self, PlanCommand.self, ReportCommand.self, ROADEFCommand.self,
                      GenerateCommand.self,
                      BenchCommand.self]
    )
}

/// Options every command that reads CPUs shares.
struct CPUDBOptions: ParsableArguments {
    @Option(name: .customLong("cpudb"), help: ArgumentHelp("Read CPU data from this directory instead of the built-in cpudb.", valueName: "DIR"))
    var directory: String?

    func load() throws -> CPUDB {
        if let directory { return try CPUDB(directory: URL(fileURLWithPath: directory)) }
        return try CPUDB.builtin()
    }
}

/// A valid answer of "no": exit 1 after the answer was printed.
struct NegativeAnswer: Error {}

enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("migplan: \(message)\n".utf8))
    }

    static func list(_ names: [String], width: Int = 96, indent: String = "    ") -> String {
        var lines: [String] = []
        var line = indent
        for name in names {
            if line.count + name.count + 1 > width, line != indent {
                lines.append(line)
                line = indent
            }
            line += (line == indent ? "" : " ") + name
        }
        if line != indent { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
