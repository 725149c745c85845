import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanMigration

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Can a VM exposing SRC's CPU live-migrate to DST?",
        discussion: """
            With --inventory, SRC may be a VM of the inventory (then every readiness check runs, \
            not only CPU) and SRC/DST may be host names of it. Exit status 0 when it can, 1 when \
            it cannot, 2 on bad input.
            """)

    @OptionGroup var db: CPUDBOptions
    @OptionGroup var inventory: InventoryOption
    @Argument(help: "The CPU the guest runs on or was started with: a model name, a host file, or (with --inventory) a VM or host name.")
    var source: String
    @Argument(help: "The destination host's CPU: a model name or a host file.")
    var destination: String
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        let inv = try inventory.load(cpudb)
        // A VM of the inventory to one of its hosts: every readiness check.
        if let inv, let vm = inv.vm(named: source), let host = inv.host(named: destination) {
            let readiness = ReadinessEngine(inventory: inv, db: cpudb).check(vm: vm, host: host)
            try ExplainCommand.report(readiness, inventory: inv, vm: vm, json: json, all: false)
            if !readiness.allowed { throw NegativeAnswer() }
            return
        }
        // Otherwise CPUs: a VM's guest CPU, a host's presented CPU, a model or a file.
        func cpu(_ name: String) throws -> CPU {
            if let inv, let v = inv.vm(named: name) { return inv.guestCPU(of: v) }
            if let inv, let h = inv.host(named: name) { return inv.hosts[h].presents }
            guard let inv, cpudb.lookupModel(name) == nil, !FileManager.default.fileExists(atPath: name) else {
                return try cpudb.resolveHost(name)
            }
            let names = inv.vms.map(\.name) + inv.hosts.map(\.name)
            throw MigPlanError.unknownHost(name, suggestions: MigPlanError.closeNames(name, among: names + cpudb.modelNames))
                .withContext("not a VM or host of \(inv.source) either")
        }
        let src = try cpu(source)
        let dst = try cpu(destination)
        let result = cpudb.compare(src, dst)
        if json {
            try Output.json(cpudb.document(result))
        } else {
            print("\(src.name) → \(dst.name): \(result.compatible ? "yes, compatible" : result.missing.isEmpty && !result.vendorMismatch ? "not proven compatible" : "no, incompatible") (verdict: \(result.verdict.rawValue))")
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
            if !result.unverified.isEmpty {
                print("  unknown on \(dst.name) (\(result.unverified.count)):")
                print(Output.list(result.unverified))
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
