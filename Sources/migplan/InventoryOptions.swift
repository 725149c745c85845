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
