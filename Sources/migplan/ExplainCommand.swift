import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanMigration

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Every reason a VM can or cannot live-migrate to a host.",
        discussion: "Exit status 0 when the move is allowed, 1 when something blocks it, 2 on bad input.")

    @OptionGroup var db: CPUDBOptions
    @OptionGroup var inventory: InventoryOption
    @Argument(help: "A VM of the inventory.")
    var vm: String
    @Argument(help: "A host of the inventory.")
    var host: String
    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if inventory.path == nil { throw ValidationError("explain needs --inventory F") }
    }

    func run() throws {
        let cpudb = try db.load()
        guard let inv = try inventory.load(cpudb) else { return }
        let v = try inv.vmIndex(vm)
        let h = try inv.hostIndex(host)
        let readiness = ReadinessEngine(inventory: inv, db: cpudb).check(vm: v, host: h)
        try Self.report(readiness, inventory: inv, vm: v, json: json, all: true)
        if !readiness.allowed { throw NegativeAnswer() }
    }

    static func report(_ r: Readiness, inventory inv: Inventory, vm: Int, json: Bool, all: Bool) throws {
        let from = inv.hosts[inv.vms[vm].host].name
        if json {
            try Output.json(ReadinessDocument(r, from: from))
            return
        }
        print("\(r.vm) (on \(from)) → \(r.host): \(r.allowed ? "yes, it can live-migrate" : "no")")
        for c in r.checks where all || c.outcome != .pass {
            let mark = switch c.outcome {
            case .pass: "ok   "
            case .block: "BLOCK"
            case .warning: "warn "
            }
            print("  \(mark) \(c.kind.padding(toLength: 18, withPad: " ", startingAt: 0)) \(c.detail)")
        }
        if r.precopy.converges {
            print(String(format: "  pre-copy: %d round%@, %.1f s, downtime %.0f ms, %.0f MiB sent",
                         r.precopy.rounds, r.precopy.rounds == 1 ? "" : "s", r.precopy.seconds, r.precopy.downtimeMs, r.precopy.megabytes))
        }
    }
}

struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Which VMs of an inventory can go where, by guest CPU class, with counts of each blocking reason.")

    @OptionGroup var db: CPUDBOptions
    @OptionGroup var inventory: InventoryOption
    @Flag(help: "Print one JSON document.")
    var json = false

    func validate() throws {
        if inventory.path == nil { throw ValidationError("matrix needs --inventory F") }
    }

    func run() throws {
        let cpudb = try db.load()
        guard let inv = try inventory.load(cpudb) else { return }
        let matrix = ReadinessEngine(inventory: inv, db: cpudb).matrix()
        let doc = MatrixDocument(matrix, inventory: inv)
        if json {
            try Output.json(doc)
            return
        }
        print("\(inv.cluster.name): \(inv.vms.count) VMs × \(inv.hosts.count) hosts, \(doc.guestCPUClasses.count) guest CPU classes, \(doc.hostCPUClasses) presented host CPU classes")
        print("\nguest CPU class                     VMs  hosts whose CPU takes it")
        for c in doc.guestCPUClasses {
            let hosts = c.hosts.count == inv.hosts.count ? "all \(c.hosts.count)" : "\(c.hosts.count): " + c.hosts.joined(separator: " ")
            print("  " + "\(c.cpu) (\(c.vendor ?? "any"))".padding(toLength: 32, withPad: " ", startingAt: 0) + String(c.vms).leftPadded(5) + "  " + hosts)
        }
        let stuck = doc.vms.filter { $0.destinations.isEmpty }
        print("\n\(inv.vms.count - stuck.count) VMs can move to at least one host now; \(stuck.count) to none")
        for v in stuck.prefix(20) {
            let why = v.blockedBy.filter { $0.value == inv.hosts.count - 1 }.map(\.key).sorted()
            print("  \(v.name) on \(v.host): " + (why.isEmpty ? "every host blocked for a mix of reasons" : why.joined(separator: ", ")))
        }
        if stuck.count > 20 { print("  … and \(stuck.count - 20) more (--json lists all)") }
        let pairs = inv.vms.count * (inv.hosts.count - 1)
        print("\nblocking reasons over \(pairs) VM × other-host pairs:")
        for (kind, count) in doc.reasons.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            print("  " + kind.padding(toLength: 18, withPad: " ", startingAt: 0) + String(count).leftPadded(8))
        }
    }
}
