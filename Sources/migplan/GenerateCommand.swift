import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a seeded, realistic inventory (JSON) for trials and benchmarks.")

    @OptionGroup var db: CPUDBOptions
    @Option(help: "Number of hosts.") var hosts: Int = 16
    @Option(help: "Number of VMs.") var vms: Int = 400
    @Option(help: "Seed; the same seed gives the same inventory.") var seed: UInt64 = 1

    func validate() throws {
        guard (1...10_000).contains(hosts) else { throw ValidationError("--hosts must be 1…10000") }
        guard (0...1_000_000).contains(vms) else { throw ValidationError("--vms must be 0…1000000") }
    }

    func run() throws {
        let cpudb = try db.load()
        let inv = try InventoryGenerator(hosts: hosts, vms: vms, seed: seed).generate(db: cpudb)
        FileHandle.standardOutput.write(try inv.jsonData(db: cpudb))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
