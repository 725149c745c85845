import ArgumentParser
import MigPlanCPU

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "List the feature catalogue: names, aliases, and where each bit lives.")

    @OptionGroup var db: CPUDBOptions
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        if json {
            try Output.json(cpudb.features.map { cpudb.document($0) })
            return
        }
        for f in cpudb.features {
            var others: [String] = []
            for source in AliasSource.allCases {
                for a in f.aliases[source] ?? [] where a != f.name && !others.contains(a) { others.append(a) }
            }
            let where_ = f.location.description
            print(f.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + where_.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + (f.migratable ? "" : "non-migratable ")
                  + (others.isEmpty ? "" : "aka " + others.joined(separator: ", ")))
        }
    }
}
