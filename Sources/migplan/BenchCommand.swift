import ArgumentParser
import Foundation
import MigPlanCPU
import MigPlanInventory
import MigPlanMigration

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure migplan on generated data (build with -c release for figures).",
        subcommands: [CPUBench.self, MatrixBench.self])
}

struct CPUBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpu",
        abstract: "Compare, baseline and compatibility-matrix throughput on generated host CPUs.")

    @OptionGroup var db: CPUDBOptions
    @Option(help: "Host counts to measure.")
    var hosts: [Int] = [1000, 10000]
    @Option(help: "Seed of the generated hosts.")
    var seed: UInt64 = 1
    @Option(help: "Each generated host switches off up to this many of its model's features (more = more distinct CPU classes).")
    var maxDisabled: Int = 4
    @Option(name: .customLong("repeat"), help: "Repetitions per figure (the best is printed).")
    var repeats: Int = 3

    func run() throws {
        let cpudb = try db.load()
        print("cpudb: \(cpudb.features.count) features, \(cpudb.models.count) models")
        if FileManager.default.fileExists(atPath: "cpudb/features.json") {
            let loadSeconds = try best { _ = try CPUDB(directory: URL(fileURLWithPath: "cpudb")) }
            print(String(format: "cpudb load from ./cpudb: %.2f ms", loadSeconds * 1000))
        }
        for n in hosts {
            let cpus = CPUGenerator(db: cpudb, seed: seed).hosts(count: n, maxDisabledFeatures: maxDisabled)
            let distinct = Set(cpus.map { CompatibilityMatrix.CPUClass(vendor: $0.vendor, features: cpudb.guestVisible($0.features)) }).count
            print("\n\(n) hosts (\(distinct) distinct CPU classes, seed \(seed)):")
            var pairs = 0
            let compareSeconds = try best {
                pairs = 0
                for i in 0..<min(n, 2000) {
                    if cpudb.compare(cpus[i], cpus[(i * 7919 + 1) % n]).compatible { pairs += 1 }
                }
            }
            let compares = min(n, 2000)
            print(String(format: "  compare (full report):    %8.1f µs each, %.0f/s", compareSeconds / Double(compares) * 1e6, Double(compares) / compareSeconds))
            let intel = cpus.filter { $0.vendor == "Intel" }
            let baselineSeconds = try best { _ = try cpudb.baseline(intel) }
            print(String(format: "  baseline of %d Intel hosts: %8.2f ms", intel.count, baselineSeconds * 1000))
            var matrix: CompatibilityMatrix? = nil
            let matrixSeconds = try best { matrix = CompatibilityMatrix(cpus, db: cpudb) }
            let m = matrix!
            print(String(format: "  %d × %d matrix:        %8.1f ms (%d class pairs, %d compatible host pairs)",
                         n, n, matrixSeconds * 1000, m.classes.count * m.classes.count, m.compatiblePairs))
        }
    }

    private func best(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}

struct MatrixBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Readiness of every VM × host of generated inventories (per CPU class).")

    @OptionGroup var db: CPUDBOptions
    @Option(help: "Sizes as HOSTSxVMS.") var size: [String] = ["16x400", "96x10000"]
    @Option(help: "Seed of the generated inventories.") var seed: UInt64 = 1
    @Option(name: .customLong("repeat"), help: "Repetitions per figure (the best is printed).") var repeats: Int = 3

    func run() throws {
        let cpudb = try db.load()
        for s in size {
            let parts = s.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--size takes HOSTSxVMS, e.g. 96x10000") }
            let generated = try InventoryGenerator(hosts: parts[0], vms: parts[1], seed: seed).generate(db: cpudb)
            // Through the JSON text, as a cluster manager would hand it over.
            let data = try generated.jsonData(db: cpudb)
            let text = String(decoding: data, as: UTF8.self)
            var inv: Inventory? = nil
            let parse = try best { inv = try Inventory.parse(text, file: "generated.json", baseDirectory: ".", db: cpudb) }
            var matrix: ReadinessMatrix? = nil
            var engineSeconds = 0.0
            let total = try best {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let engine = ReadinessEngine(inventory: inv!, db: cpudb)
                engineSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                matrix = engine.matrix()
            }
            let m = matrix!
            let movable = m.destinations.filter { !$0.isEmpty }.count
            print(String(format: "%@: parse %.0f ms (%.1f MB JSON); engine %.1f ms; engine + matrix %.1f ms; %d guest CPU classes, %d host classes; %d of %d VMs can move somewhere",
                         s, parse * 1000, Double(data.count) / 1e6, engineSeconds * 1000, total * 1000, m.guestClasses.count,
                         m.hostClassCount, movable, inv!.vms.count))
        }
    }

    private func best(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }
}
