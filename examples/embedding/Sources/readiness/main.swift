// Usage: readiness INVENTORY HOST
// Prints, for every VM of the inventory, whether it can live-migrate to HOST now and, if not,
// what blocks it. Exit status 2 on bad input, as migplan's own CLI.
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanMigration

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: readiness INVENTORY HOST\n".utf8))
    exit(2)
}
do {
    let db = try CPUDB.builtin()
    let inventory = try Inventory.load(path: arguments[1], db: db)
    guard let host = inventory.host(named: arguments[2]) else {
        FileHandle.standardError.write(Data("readiness: no host \(arguments[2]) in \(arguments[1])\n".utf8))
        exit(2)
    }
    let engine = ReadinessEngine(inventory: inventory, db: db)
    var allowed = 0
    for vm in inventory.vms.indices where inventory.vms[vm].host != host {
        let r = engine.check(vm: vm, host: host)
        if r.allowed {
            allowed += 1
            print("\(r.vm): yes (\(Int(r.precopy.seconds.rounded())) s, \(Int(r.precopy.downtimeMs.rounded())) ms downtime)")
        } else {
            print("\(r.vm): no — " + r.blocks.map(\.kind).joined(separator: ", "))
        }
    }
    print("\(allowed) VMs can move to \(inventory.hosts[host].name)")
} catch {
    FileHandle.standardError.write(Data("readiness: \(error)\n".utf8))
    exit(2)
}
