import ArgumentParser
import MigPlanCPU
import MigPlanInventory

/// `--inventory F` (`-` = standard input), shared by the commands that read one.
struct InventoryOption: ParsableArguments {
    @Option(name: .customLong("inventory"), help: ArgumentHelp("The cluster inventory, YAML or JSON; - reads standard input.", valueName: "F"))
    var path: String?

    func load(_ db: CPUDB) throws -> Inventory? {
        guard let path else { return nil }
        return try Inventory.load(path: path, db: db)
    }
}

extension Inventory {
    /// A host of the inventory by name, or an error naming close ones.
    func hostIndex(_ name: String) throws -> Int {
        guard let h = host(named: name) else {
            throw MigPlanError.invalidInput(file: source, line: nil, keyPath: "hosts",
                                            message: "no host '\(name)' in the inventory" + MigPlanError.didYouMean(MigPlanError.closeNames(name, among: hosts.map(\.name))))
        }
        return h
    }

    /// A VM of the inventory by name, or an error naming close ones.
    func vmIndex(_ name: String) throws -> Int {
        guard let v = vm(named: name) else {
            throw MigPlanError.invalidInput(file: source, line: nil, keyPath: "vms",
                                            message: "no VM '\(name)' in the inventory" + MigPlanError.didYouMean(MigPlanError.closeNames(name, among: vms.map(\.name))))
        }
        return v
    }
}
