import ArgumentParser
import Foundation
import MigPlanCPU

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Decode this machine's CPU (CPUID through libcpuid), or a file of another host's.",
        discussion: "The --json output is itself a host descriptor: save it and use it as a HOST anywhere.")

    @OptionGroup var db: CPUDBOptions
    @Option(help: ArgumentHelp("Decode this file instead of this machine: a raw CPUID dump (AIDA64, InstLatX64, libcpuid, `cpuid -r`), libvirt XML, /proc/cpuinfo, or a host descriptor.", valueName: "FILE"))
    var raw: String?
    @Option(help: ArgumentHelp("Also write this machine's raw CPUID to FILE (the `cpuid -1 -r` format), to decode elsewhere with --raw.", valueName: "FILE"))
    var save: String?
    @Flag(help: "Print one JSON document.")
    var json = false

    func run() throws {
        let cpudb = try db.load()
        var cpu: CPU
        var identity: LibCPUIDIdentity? = nil
        var others: [CPU] = []
        if let raw {
            if save != nil { throw ValidationError("--save writes this machine's CPUID; it does not go with --raw") }
            let all = try cpudb.resolveHostCPUs(raw)
            cpu = all[0]
            others = Array(all.dropFirst())
        } else {
            let probe = try cpudb.probeLocal()
            cpu = probe.cpu
            if let save {
                let text = CPUIDDump.render(probe.raw, comment: "migplan probe --save: raw CPUID of \(cpu.name) (\(cpu.brand ?? "unknown brand")), one logical CPU")
                do { try text.write(toFile: save, atomically: true, encoding: .utf8) }
                catch { throw MigPlanError.unreadableFile(save, reason: "cannot write: \(error.localizedDescription)") }
            }
            cpu.sockets = Self.localSockets()
            identity = probe.libcpuid
        }
        var doc = cpudb.probeDocument(cpu)
        if !others.isEmpty { doc.otherCPUs = others.map { cpudb.probeDocument($0) } }
        if json {
            try Output.json(doc)
            return
        }
        let signature = cpu.signature.map { "family \($0.family) model \($0.model) stepping \($0.stepping)" } ?? "no signature given"
        print("\(doc.name ?? cpu.name): \(doc.vendor ?? "any vendor") \(signature)" + (doc.microarchitecture.map { " (\($0))" } ?? ""))
        if let brand = doc.brand { print("  brand: \(brand)") }
        if let s = doc.sockets { print("  sockets: \(s)") }
        print("  model: \(doc.cpuModel ?? "none fits")"
              + (doc.added.isEmpty ? "" : " +\(doc.added.count)") + (doc.removed.isEmpty ? "" : " -\(doc.removed.count)"))
        if !doc.added.isEmpty { print("  added:\n" + Output.list(doc.added)) }
        if !doc.removed.isEmpty { print("  removed:\n" + Output.list(doc.removed)) }
        print("  features (\(doc.features.count)):\n" + Output.list(doc.features))
        for note in cpu.notes { print("  note: \(note)") }
        for other in doc.otherCPUs ?? [] {
            print("  other CPU in this dump: \(other.cpuModel ?? "no model") +\(other.added.count) -\(other.removed.count), \(other.features.count) features"
                  + (other.notes.first.map { " (\($0))" } ?? ""))
            let extra = Set(other.features).symmetricDifference(doc.features).sorted()
            if !extra.isEmpty { print("    differs in: " + extra.joined(separator: " ")) }
        }
        if let identity {
            print("  libcpuid: \(identity.codename), \(identity.cores) cores / \(identity.logicalCPUs) threads per socket, \(identity.flags.count) flags")
        }
    }

    /// Distinct physical packages in sysfs (Linux), or nil where that is not readable.
    static func localSockets() -> Int? {
        guard let cpus = try? FileManager.default.contentsOfDirectory(atPath: "/sys/devices/system/cpu") else { return nil }
        var packages = Set<String>()
        for c in cpus where c.hasPrefix("cpu") && c.dropFirst(3).allSatisfy(\.isNumber) {
            if let id = try? String(contentsOfFile: "/sys/devices/system/cpu/\(c)/topology/physical_package_id", encoding: .utf8) {
                packages.insert(id.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return packages.isEmpty ? nil : packages.count
    }
}
