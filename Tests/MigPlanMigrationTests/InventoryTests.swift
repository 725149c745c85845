import Foundation
import Testing
@testable import MigPlanCPU
@testable import MigPlanInventory

@Suite struct InventoryTests {
    func error(_ text: String) -> String {
        do {
            _ = try Inventory.parse(text, file: "inv.yaml", baseDirectory: "/", db: try CPUDB.builtin())
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func edit(_ old: String, _ new: String) -> String {
        precondition(baseInventory.contains(old), "fixture text not found: \(old)")
        return baseInventory.replacingOccurrences(of: old, with: new)
    }

    @Test func errorsNameKeyPathAndLine() {
        #expect(error(edit("    memoryMiB: 4096\n    dirtyRateMiBps: 10", "    memoryMiB: -4096\n    dirtyRateMiBps: 10"))
            == "inv.yaml:41: vms[0].memoryMiB: expected a number ≥ 0.0, found -4096")
        #expect(error(edit("    datastores: [ds1]\n    networks: [prod]\n    mac", "    datastore: [ds1]\n    networks: [prod]\n    mac"))
            .hasPrefix("inv.yaml:43: vms[0].datastore: unknown key 'datastore' (did you mean 'datastores'?)"))
        #expect(error(edit("  - name: vm-b\n    host: h2", "  - name: vm-b\n    host: h9"))
            == "inv.yaml:47: vms[1].host: unknown host 'h9' (did you mean 'h1', 'h2', 'h3'?)")
        #expect(error(edit("  - name: vm-b\n", "  - name: vm-a\n")) == "inv.yaml:46: vms[1].name: VM name 'vm-a' given twice")
        #expect(error(baseInventory + "\nrules:\n  - name: r\n    kind: vm-anti-affinity\n    vms: [vm-a, vm-c]\n")
            == "inv.yaml:56: rules[0].vms[1]: unknown VM 'vm-c' (did you mean 'vm-a', 'vm-b'?)")
        #expect(error(baseInventory + "\nrules:\n  - name: r\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: g1\n")
            == "inv.yaml:54: rules[0]: missing 'policy'")
        #expect(error(baseInventory + "\nrules:\n  - name: r\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: gx\n    policy: must\n")
            .hasPrefix("inv.yaml:57: rules[0].hostGroup: unknown host group 'gx'"))
        #expect(error(edit("    mac: \"00:50:56:00:00:01\"", "    mac: \"00:50:56:00:00\""))
            .contains("vms[0].mac: expected a MAC address"))
        #expect(error(edit("    mac: \"00:50:56:00:00:01\"", "    mac: \"00:50:56:00:00:01\"\n    products: [ora]"))
            .contains("vms[0].products[0]: unknown product 'ora'"))
        #expect(error(edit("    memoryMiB: 4096\n    dirtyRateMiBps: 10", "    memoryMiB: 4096\n    memoryActiveMiB: 8192\n    dirtyRateMiBps: 10"))
            .contains("vms[0].memoryActiveMiB: active memory 8192 MiB exceeds the configured 4096 MiB"))
        #expect(error(edit("    cpu: Cascadelake-Server\n", "    cpu: Cascadelake-Server\n    presents: Icelake-Server\n"))
            .contains("hosts[1].presents: presents features the host's CPU lacks"))
        #expect(error(edit("    cpu: Cascadelake-Server\n", "    cpu: Cascadelake-Server\n    presents: EPYC\n"))
            .contains("hosts[1].presents: presents a AMD CPU on a Intel host"))
        #expect(error(edit("    cpu: Skylake-Server\n", "    cpu: Skylake-Servr\n"))
            .contains("hosts[0].cpu: unknown CPU model 'Skylake-Servr' (did you mean 'Skylake-Server'"))
        #expect(error(edit("    cpu: Skylake-Server\n", "    cpu: { dump: nowhere.txt }\n"))
            .contains("hosts[0].cpu.dump: cannot read /nowhere.txt"))
        #expect(error(edit("    dirtyRateMiBps: 10\n", "    dirtyRateMiBps: 10\n    cpu: Cascadelake-Server\n"))
            .contains("vms[0].cpu: the guest CPU has features h1 does not present"))
        #expect(error(edit("version: 1", "version: 2")).contains("unsupported inventory version 2"))
        #expect(error(edit("    hypervisor: { kind: esxi }\n  - name: h2", "    hypervisor: { kind: vmware }\n  - name: h2"))
            .contains("hosts[0].hypervisor.kind: unknown value 'vmware'; expected one of esxi, kvm, xen, hyperv, other"))
        #expect(error("version: 1\ncluster: { name: x }\nhosts: []\n").contains("no hosts"))
        #expect(error("version: 1\ncluster: { name: x }\nhosts: [\n").hasPrefix("inv.yaml:"))
        #expect(error(edit("  - name: vm-b\n    host: h2", "  - name: vm-b\n    host: h2\n    x: 1"))
            .hasPrefix("inv.yaml:48: vms[1].x: unknown key 'x'"))
        #expect(error(edit("  - name: vm-b\n    host: h2\n    vcpus: 2", "  - name: vm-b\n    host: h2\n    vcpus: 0"))
            == "inv.yaml:48: vms[1].vcpus: expected a whole number from 1 to 4096, found 0")
    }

    /// YAML merge keys and top-level `x-` keys, for inventories written by hand.
    @Test func mergeKeysAndExtensionKeys() throws {
        let text = """
        version: 1
        cluster: { name: c }
        x-host: &host { cpu: Skylake-Server, sockets: 2, coresPerSocket: 16, mhzPerCore: 2500, memoryMiB: 524288 }
        hosts:
          - { <<: *host, name: h1 }
          - <<: [*host]
            name: h2
            sockets: 1
        vms: []
        """
        let inv = try Inventory.parse(text, file: "inv.yaml", baseDirectory: "/", db: try CPUDB.builtin())
        #expect(inv.hosts.map(\.name) == ["h1", "h2"])
        #expect(inv.hosts.map(\.sockets) == [2, 1])          // the mapping's own key wins
        #expect(inv.hosts[1].cpu.model?.name == "Skylake-Server")
        #expect(error(text.replacingOccurrences(of: "<<: [*host]", with: "<<: 5"))
            .hasPrefix("inv.yaml:6: hosts[1].<<: a merge key takes a mapping"))
        #expect(error(text.replacingOccurrences(of: "x-host:", with: "y-host:")).contains("unknown key 'y-host'"))
    }

    @Test func jsonAndYamlAreTheSameInventory() throws {
        let db = try CPUDB.builtin()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let yaml = try Inventory.load(path: root.appending(path: "examples/mixed-intel/inventory.yaml").path, db: db)
        #expect(yaml.hosts.count == 8 && yaml.vms.count == 42)
        #expect(yaml.hosts[7].cpu.origin.contains("CPUID dump"))
        // The same document as JSON (through /usr/bin/python3's yaml, which Debian's python3-yaml provides).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
                       root.appending(path: "examples/mixed-intel/inventory.yaml").path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let json = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let fromJSON = try Inventory.parse(json, file: "inv.json", baseDirectory: root.appending(path: "examples/mixed-intel").path, db: db)
        #expect(fromJSON.vms.map(\.name) == yaml.vms.map(\.name))
        #expect(fromJSON.hosts.map(\.presents.features) == yaml.hosts.map(\.presents.features))
        #expect(fromJSON.rules == yaml.rules)
    }
}
