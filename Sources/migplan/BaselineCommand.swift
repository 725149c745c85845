import ArgumentParser
import MigPlanCPU

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "The common CPU of the hosts, and how to mask each host to it.",
        discussion: "Exit status 1 when the hosts' vendors differ or they share no feature.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, vmx, xl, libvirt, qemu
    }

    @OptionGroup var db: CPUDBOptions
    @Argument(help: "Model names or host files.")
    var hosts: [String] = []
    @Option(help: "Print the masks in this syntax: json, vmx, xl, libvirt or qemu (default: a summary).")
    var format: Format?
    @Flag(help: "Keep non-migratable features (invtsc, xsaves) in the baseline, as libvirt does without --migratable.")
    var includeNonMigratable = false
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        var cpus: [CPU] = []
        for h in hosts { cpus.append(try cpudb.resolveHost(h)) }
        switch try cpudb.baseline(cpus, migratable: !includeNonMigratable) {
        case let .failure(.vendorMismatch(groups)):
            if json || format == .json {
                try Output.json(VendorMismatchDocument(error: "vendor-mismatch", groups: groups))
            } else {
                print("no baseline: the hosts' CPU vendors differ, and a guest never moves between vendors")
                for (vendor, names) in groups.sorted(by: { $0.key < $1.key }) {
                    print("  \(vendor): \(names.joined(separator: ", "))")
                }
            }
            throw NegativeAnswer()
        case .failure(.noCommonFeatures):
            if json || format == .json {
                try Output.json(VendorMismatchDocument(error: "no-common-features", groups: [:]))
            } else {
                print("no baseline: the hosts share no CPU feature")
            }
            throw NegativeAnswer()
        case let .success(baseline):
            if json || format == .json {
                try Output.json(cpudb.document(baseline))
                return
            }
            if let format, let mask = MaskFormat(rawValue: format.rawValue) {
                print(cpudb.masks(for: baseline, format: mask))
                return
            }
            printSummary(baseline, cpudb)
        }
    }

    private func printSummary(_ b: Baseline, _ cpudb: CPUDB) {
        print("baseline of \(b.hosts.count) host\(b.hosts.count == 1 ? "" : "s"): \(b.vendor ?? "any vendor"), \(b.features.count) features")
        print("  model: \(b.model?.name ?? "none")" + (b.extra.isEmpty ? "" : " + \(b.extra.count) extra: \(cpudb.names(b.extra).joined(separator: " "))"))
        if let fit = b.libvirt, fit.model.name != b.model?.name || !fit.removed.isEmpty {
            print("  libvirt would write: \(fit.model.name), require \(fit.added.count), disable \(fit.removed.count)")
        }
        if !b.unknown.isEmpty {
            print("  left out, unknown on some hosts (their data lacks the CPUID sub-leaf): \(cpudb.names(b.unknown).joined(separator: " "))")
        }
        if let evc = b.evcMode { print("  highest EVC mode inside: \(evc.name) (\(evc.title ?? ""))") }
        if let level = b.level { print("  x86-64 level: \(level.name)") }
        for h in b.hosts {
            let list = cpudb.names(h.disable)
            print("  \(h.cpu.name) must hide \(list.count)" + (list.isEmpty ? "" : ": " + list.joined(separator: " ")))
        }
        print("  (masks: --format vmx | xl | libvirt | qemu)")
    }
}
