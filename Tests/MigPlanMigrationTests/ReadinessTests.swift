import Foundation
import Testing
@testable import MigPlanCPU
@testable import MigPlanInventory
@testable import MigPlanMigration

/// A small inventory in which `vm-a` on `h1` can go to `h2`; each test breaks one thing.
let baseInventory = """
    version: 1
    cluster:
      name: t
      migration: { bandwidthMiBps: 1100, maxConcurrentPerHost: 4, maxDowntimeMs: 300, maxPrecopyRounds: 30, resumeMs: 20 }
      balance: { memoryOvercommit: 1.0 }
    hosts:
      - name: h1
        cpu: Skylake-Server
        sockets: 2
        coresPerSocket: 10
        mhzPerCore: 2000
        memoryMiB: 65536
        datastores: [ds1, ds2]
        networks: [prod, dmz]
        groups: [g1]
        hypervisor: { kind: esxi }
      - name: h2
        cpu: Cascadelake-Server
        sockets: 2
        coresPerSocket: 10
        mhzPerCore: 2000
        memoryMiB: 65536
        datastores: [ds1, ds2]
        networks: [prod, dmz]
        groups: [g2]
        hypervisor: { kind: esxi }
      - name: h3
        cpu: Opteron_G5
        sockets: 1
        coresPerSocket: 8
        mhzPerCore: 2000
        memoryMiB: 32768
        datastores: [ds1]
        networks: [prod]
        hypervisor: { kind: esxi }
    vms:
      - name: vm-a
        host: h1
        vcpus: 2
        cpuDemandMHz: 1000
        memoryMiB: 4096
        dirtyRateMiBps: 10
        datastores: [ds1]
        networks: [prod]
        mac: "00:50:56:00:00:01"
      - name: vm-b
        host: h2
        vcpus: 2
        cpuDemandMHz: 1000
        memoryMiB: 4096
        datastores: [ds1]
        networks: [prod]
    """

struct Fixture {
    let db: CPUDB
    let inventory: Inventory
    let engine: ReadinessEngine

    init(_ text: String = baseInventory) throws {
        db = try CPUDB.builtin()
        inventory = try Inventory.parse(text, file: "t.yaml", baseDirectory: "/", db: db)
        engine = ReadinessEngine(inventory: inventory, db: db)
    }

    func check(_ vm: String, _ host: String) -> Readiness {
        engine.check(vm: inventory.vm(named: vm)!, host: inventory.host(named: host)!)
    }

    /// The kinds that block, and the same answer from the fast pass.
    func blocks(_ vm: String, _ host: String) -> [String] {
        let r = check(vm, host)
        let fast = engine.blockKinds(vm: inventory.vm(named: vm)!, host: inventory.host(named: host)!)
        #expect(fast.kindNames.sorted() == Set(r.blocks.map(\.kind)).sorted(), "fast pass disagrees for \(vm) → \(host)")
        #expect(r.allowed == fast.isEmpty)
        return Array(Set(r.blocks.map(\.kind))).sorted()
    }
}

@Suite struct ReadinessTests {
    @Test func theBaseMoveIsAllowed() throws {
        let f = try Fixture()
        let r = f.check("vm-a", "h2")
        #expect(r.allowed, "\(r.blocks)")
        #expect(r.warnings.isEmpty)
        #expect(r.checks.count >= 15)
        #expect(f.blocks("vm-a", "h1") == ["same-host"])
    }

    @Test func cpuReasons() throws {
        let f = try Fixture()
        // Cascade Lake guest (vm-b's default CPU) → Skylake host: features.
        #expect(f.blocks("vm-b", "h1") == ["cpu-feature"])
        #expect(f.check("vm-b", "h1").blocks.first?.detail.contains("avx512vnni") == true)
        // Intel guest → AMD host: vendor (and the AMD host lacks the datastore and network too).
        #expect(f.blocks("vm-a", "h3") == ["cpu-vendor"])
        // A guest CPU with invtsc: a warning, not a block.
        let g = try Fixture(baseInventory.replacingOccurrences(of: "    dirtyRateMiBps: 10\n", with: "    dirtyRateMiBps: 10\n    cpu: { model: Skylake-Server, add: [invtsc] }\n")
            .replacingOccurrences(of: "    cpu: Skylake-Server\n", with: "    cpu: { model: Skylake-Server, add: [invtsc] }\n"))
        let r = g.check("vm-a", "h2")
        #expect(r.allowed)
        #expect(r.warnings.map(\.kind) == ["cpu-nonmigratable"])
        // Hosts presenting a baseline take guests of that baseline only.
        let p = try Fixture(baseInventory.replacingOccurrences(of: "    cpu: Cascadelake-Server\n", with: "    cpu: Cascadelake-Server\n    presents: Haswell-noTSX\n"))
        #expect(p.blocks("vm-a", "h2") == ["cpu-feature"])
        #expect(p.blocks("vm-b", "h1").isEmpty)  // vm-b's guest is now Haswell-noTSX
    }

    @Test func storageNetworkDevices() throws {
        let ds = try Fixture(baseInventory.replacingOccurrences(of: "    datastores: [ds1]\n    networks: [prod]\n    mac", with: "    datastores: [ds1, ds3]\n    networks: [prod]\n    mac"))
        #expect(ds.blocks("vm-a", "h2") == ["datastore"])
        let net = try Fixture(baseInventory.replacingOccurrences(of: "    networks: [prod]\n    mac", with: "    networks: [prod, backup]\n    mac"))
        #expect(net.blocks("vm-a", "h2") == ["network"])
        let pt = try Fixture(baseInventory.replacingOccurrences(of: "    mac: \"00:50:56:00:00:01\"", with: "    mac: \"00:50:56:00:00:01\"\n    passthroughDevices: 1"))
        #expect(pt.blocks("vm-a", "h2") == ["passthrough"])
        let ld = try Fixture(baseInventory.replacingOccurrences(of: "    mac: \"00:50:56:00:00:01\"", with: "    mac: \"00:50:56:00:00:01\"\n    localDisks: 2"))
        #expect(ld.blocks("vm-a", "h2") == ["local-disk"])
        let mac = try Fixture(baseInventory.replacingOccurrences(of: "    mac: \"00:50:56:00:00:01\"", with: "    mac: auto"))
        #expect(mac.check("vm-a", "h2").allowed)
        #expect(mac.check("vm-a", "h2").warnings.map(\.kind) == ["mac"])
    }

    @Test func hostStateHypervisorAndMovable() throws {
        let m = try Fixture(baseInventory.replacingOccurrences(of: "    groups: [g2]\n    hypervisor: { kind: esxi }", with: "    groups: [g2]\n    hypervisor: { kind: esxi }\n    state: maintenance"))
        #expect(m.blocks("vm-a", "h2") == ["host-state"])
        let hv = try Fixture(baseInventory.replacingOccurrences(of: "    groups: [g2]\n    hypervisor: { kind: esxi }", with: "    groups: [g2]\n    hypervisor: { kind: kvm }"))
        #expect(hv.blocks("vm-a", "h2") == ["hypervisor"])
        let pinned = try Fixture(baseInventory.replacingOccurrences(of: "    mac: \"00:50:56:00:00:01\"", with: "    mac: \"00:50:56:00:00:01\"\n    movable: false"))
        #expect(pinned.blocks("vm-a", "h2") == ["movable"])
    }

    @Test func capacity() throws {
        // Memory: 62 GiB already configured on h2 + 4 GiB > 64 GiB.
        let mem = try Fixture(baseInventory.replacingOccurrences(of: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n    memoryMiB: 4096",
                                                                   with: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n    memoryMiB: 63488"))
        #expect(mem.blocks("vm-a", "h2") == ["capacity-memory"])
        // Overcommit 1.5 makes room.
        let over = try Fixture(baseInventory.replacingOccurrences(of: "memoryOvercommit: 1.0", with: "memoryOvercommit: 1.5")
            .replacingOccurrences(of: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n    memoryMiB: 4096",
                                  with: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n    memoryMiB: 63488"))
        #expect(over.blocks("vm-a", "h2").isEmpty)
        // CPU reservations: 40,000 MHz capacity on h2.
        let cpu = try Fixture(baseInventory.replacingOccurrences(of: "    dirtyRateMiBps: 10\n", with: "    dirtyRateMiBps: 10\n    cpuReservationMHz: 25000\n")
            .replacingOccurrences(of: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n", with: "  - name: vm-b\n    host: h2\n    vcpus: 2\n    cpuDemandMHz: 1000\n    cpuReservationMHz: 16000\n"))
        #expect(cpu.blocks("vm-a", "h2") == ["capacity-cpu"])
    }

    @Test func rules() throws {
        let anti = try Fixture(baseInventory + "\nrules:\n  - name: apart\n    kind: vm-anti-affinity\n    vms: [vm-a, vm-b]\n")
        #expect(anti.blocks("vm-a", "h2") == ["rule"])
        let affinity = try Fixture(baseInventory + "\nrules:\n  - name: together\n    kind: vm-affinity\n    vms: [vm-a, vm-b]\n")
        #expect(affinity.blocks("vm-a", "h2").isEmpty)  // joins vm-b
        let mustHost = try Fixture(baseInventory + "\nrules:\n  - name: stay\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: g1\n    policy: must\n")
        #expect(mustHost.blocks("vm-a", "h2") == ["rule"])
        let mustNot = try Fixture(baseInventory + "\nrules:\n  - name: avoid\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: g2\n    policy: must-not\n")
        #expect(mustNot.blocks("vm-a", "h2") == ["rule"])
        let should = try Fixture(baseInventory + "\nrules:\n  - name: prefer\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: g1\n    policy: should\n")
        #expect(should.blocks("vm-a", "h2").isEmpty)
        #expect(should.check("vm-a", "h2").warnings.map(\.kind) == ["rule"])
    }

    @Test func licenses() throws {
        let text = baseInventory.replacingOccurrences(of: "    mac: \"00:50:56:00:00:01\"", with: "    mac: \"00:50:56:00:00:01\"\n    products: [ora]")
            + "\nproducts:\n  - name: ora\n    metric: per-core\n    coreFactor: 0.5\n    unitPrice: 47500\n    scope: cluster\n    licensedHosts: [h1]\n"
        let f = try Fixture(text)
        #expect(f.blocks("vm-a", "h2") == ["license"])
        let ok = try Fixture(text.replacingOccurrences(of: "licensedHosts: [h1]", with: "licensedHosts: [h1, h2]"))
        #expect(ok.blocks("vm-a", "h2").isEmpty)
    }

    @Test func precopyBudget() throws {
        let hot = try Fixture(baseInventory.replacingOccurrences(of: "dirtyRateMiBps: 10", with: "dirtyRateMiBps: 2000"))
        #expect(hot.blocks("vm-a", "h2") == ["precopy"])
        #expect(hot.check("vm-a", "h2").blocks.first?.detail.contains("outruns") == true)
        // A budget too small for even the resume time.
        let tight = try Fixture(baseInventory.replacingOccurrences(of: "    dirtyRateMiBps: 10\n", with: "    dirtyRateMiBps: 10\n    maxDowntimeMs: 10\n"))
        #expect(tight.blocks("vm-a", "h2") == ["precopy"])
        let r = try Fixture().check("vm-a", "h2").precopy
        #expect(r.converges && r.downtimeMs <= 300)
    }

    @Test func matrixAgreesWithSingleChecksOnTheExamples() throws {
        let db = try CPUDB.builtin()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for example in ["examples/mixed-intel/inventory.yaml", "examples/amd-epyc/inventory.json", "examples/licensing/inventory.yaml"] {
            let inv = try Inventory.load(path: root.appending(path: example).path, db: db)
            let engine = ReadinessEngine(inventory: inv, db: db)
            let m = engine.matrix()
            for v in inv.vms.indices {
                for h in inv.hosts.indices {
                    let r = engine.check(vm: v, host: h)
                    #expect(m.destinations[v].contains(h) == r.allowed, "\(example): \(inv.vms[v].name) → \(inv.hosts[h].name)")
                    #expect(engine.blockKinds(vm: v, host: h).kindNames.sorted() == Set(r.blocks.map(\.kind)).sorted())
                }
            }
            #expect(m.guestClasses.map(\.vms.count).reduce(0, +) == inv.vms.count)
        }
    }
}
