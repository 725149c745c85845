import Foundation
import Testing
@testable import MigPlanCPU

/// migplan's baselines and host models against libvirt 9.0's own expected results in
/// ../shared/data/cpu-models/libvirt-9.0.0/cputestdata.
@Suite struct LibvirtEquivalenceTests {
    /// `x86_64-cpuid-baseline-<label>.xml` ← the `-json.xml` CPUs of two real hosts
    /// (tests/cputest.c DO_TEST_CPUID_BASELINE).
    static let cpuidBaselines: [(label: String, hosts: [String])] = [
        ("Ryzen+Rome", ["Ryzen-7-1800X-Eight-Core", "Ryzen-9-3900X-12-Core"]),
        ("EPYC+Rome", ["EPYC-7601-32-Core", "EPYC-7502-32-Core"]),
        ("Haswell-noTSX-IBRS+Skylake", ["Xeon-E5-2609-v3", "Xeon-Gold-6148"]),
        ("Haswell-noTSX-IBRS+Skylake-IBRS", ["Xeon-E5-2609-v3", "Xeon-Gold-6130"]),
        ("Broadwell-IBRS+Cascadelake", ["Xeon-E5-2623-v4", "Xeon-Platinum-8268"]),
        ("Cascadelake+Skylake-IBRS", ["Xeon-Platinum-8268", "Xeon-Gold-6130"]),
        ("Cascadelake+Skylake", ["Xeon-Platinum-9242", "Xeon-Gold-6148"]),
        ("Cascadelake+Icelake", ["Xeon-Platinum-9242", "Ice-Lake-Server"]),
        ("Cooperlake+Icelake", ["Cooperlake", "Ice-Lake-Server"]),
        ("Cooperlake+Cascadelake", ["Cooperlake", "Xeon-Platinum-9242"]),
        ("Skylake-Client+Server", ["Core-i5-6600", "Xeon-Gold-6148"]),
        ("Haswell-noTSX-IBRS+Broadwell", ["Xeon-E5-2609-v3", "Xeon-E5-2650-v4"]),
        ("Haswell+Skylake", ["Xeon-E7-8890-v3", "Xeon-Gold-5115"]),
    ]

    func loadCPU(_ file: String, _ db: CPUDB) throws -> CPU {
        let url = SharedData.cpuTestData.appending(path: file)
        return try db.cpu(fromLibvirtXML: try SharedData.text(url), file: file)
    }

    func expected(_ file: String) throws -> LibvirtCPUDefinition {
        CPUDB.libvirtDefinition(try SharedData.xml(SharedData.cpuTestData.appending(path: file)))
    }

    @Test(arguments: cpuidBaselines.map(\.label))
    func cpuidBaselineEqualsLibvirt(label: String) throws {
        let db = try CPUDB.builtin()
        let hosts = Self.cpuidBaselines.first { $0.label == label }!.hosts
        let cpus = try hosts.map { try loadCPU("x86_64-cpuid-\($0)-json.xml", db) }
        let baseline = try db.baseline(cpus, migratable: false).get()
        let want = try expected("x86_64-cpuid-baseline-\(label).xml")
        let wantCPU = try loadCPU("x86_64-cpuid-baseline-\(label).xml", db)
        // Same common feature set…
        #expect(db.names(baseline.features) == db.names(wantCPU.features), "\(label): features")
        // …named the way libvirt names it: model, then required and disabled features in order.
        let fit = try #require(baseline.libvirt)
        #expect(fit.model.name == want.model, "\(label): model")
        #expect(fit.added.map { db.features[$0].name } == want.features.filter { $0.policy == "require" }.map(\.name), "\(label): require")
        #expect(fit.removed.map { db.features[$0].name } == want.features.filter { $0.policy == "disable" }.map(\.name), "\(label): disable")
        #expect(baseline.vendor == want.vendor)
        // And both hosts can take a guest of the baseline (libvirt's own check of its result).
        for cpu in cpus { #expect(db.compare(wantCPU, cpu).compatible) }
    }

    /// Model-level cases of tests/cputest.c DO_TEST_BASELINE.
    @Test func modelBaselinesEqualLibvirt() throws {
        let db = try CPUDB.builtin()
        func inputs(_ name: String) throws -> [CPU] {
            let root = try SharedData.xml(SharedData.cpuTestData.appending(path: "x86_64-baseline-\(name).xml"))
            return try root.elements(forName: "cpu").map { e in
                try db.cpu(fromLibvirtCPU: e, file: name, path: "cpu")
            }
        }
        func check(_ name: String, result: String, migratable: Bool) throws {
            let baseline = try db.baseline(try inputs(name), migratable: migratable).get()
            let want = try expected("x86_64-baseline-\(result).xml")
            let fit = try #require(baseline.libvirt)
            #expect(fit.model.name == want.model, "\(name)")
            #expect(fit.added.map { db.features[$0].name } == want.features.filter { $0.policy == "require" }.map(\.name), "\(name)")
            #expect(fit.removed.isEmpty)
        }
        try check("simple", result: "simple-result", migratable: false)
        try check("features", result: "features-result", migratable: false)
        try check("Westmere+Nehalem", result: "Westmere+Nehalem-result", migratable: false)
        try check("Westmere+Nehalem", result: "Westmere+Nehalem-migratable", migratable: true)
        // The -expanded results list every feature of the common CPU.
        for name in ["simple", "features"] {
            let baseline = try db.baseline(try inputs(name), migratable: false).get()
            let expanded = try expected("x86_64-baseline-\(name)-expanded.xml")
            #expect(db.names(baseline.features) == expanded.features.map(\.name).sorted(), "\(name)-expanded")
        }
        // Different vendors: no baseline, with the hosts of each vendor.
        guard case let .failure(.vendorMismatch(groups)) = try db.baseline(try inputs("incompatible-vendors")) else {
            Issue.record("Penryn + Opteron_G3 must be a vendor mismatch")
            return
        }
        #expect(groups["Intel"]?.count == 1 && groups["AMD"]?.count == 1)
        // no-vendor / some-vendors: libvirt's inputs there omit <vendor>, which libvirt reads as
        // "any vendor"; migplan takes a named model's vendor as the CPU's vendor, so Penryn +
        // Opteron_G3 is a mismatch. libvirt's decode of the same intersection without a vendor
        // is reproduced: kvm64 + lahf_lm.
        let penryn = try db.model(named: "Penryn").features, g3 = try db.model(named: "Opteron_G3").features
        let fit = try #require(db.decode(vendor: nil, signature: nil, features: penryn.intersection(g3), kind: .guest,
                                         preferred: ["Penryn", "Opteron_G3"]))
        let noVendor = try expected("x86_64-baseline-no-vendor-result.xml")
        #expect(fit.model.name == noVendor.model)
        #expect(fit.added.map { db.features[$0].name } == noVendor.features.map(\.name))
        // some-vendors: Opteron_G1 (no vendor given) + Opteron_G3 (AMD): both AMD models here.
        let some = try db.baseline([CPU(model: try db.model(named: "Opteron_G1")), CPU(model: try db.model(named: "Opteron_G3"))],
                                   migratable: false).get()
        #expect(some.libvirt?.model.name == (try expected("x86_64-baseline-some-vendors-result.xml")).model)
        #expect(some.libvirt?.added.isEmpty == true)
    }

    /// Host CPU decode of every raw capture with a `-host.xml` expectation.
    @Test func hostModelsOfRawCapturesEqualLibvirt() throws {
        let db = try CPUDB.builtin()
        let names = try FileManager.default.contentsOfDirectory(atPath: SharedData.cpuTestData.path)
            .filter { $0.hasSuffix("-host.xml") }.sorted()
        #expect(names.count == 61)
        var agree = 0
        var differences: [String] = []
        for hostFile in names {
            let raw = hostFile.replacingOccurrences(of: "-host.xml", with: ".xml")
            let cpu = try loadCPU(raw, db)
            let want = try expected(hostFile)
            let wantCPU = try loadCPU(hostFile, db)
            if cpu.model?.name == want.model && db.names(cpu.features) == db.names(wantCPU.features)
                && cpu.signature == want.signature {
                agree += 1
            } else {
                differences.append("\(raw): \(cpu.model?.name ?? "-") vs \(want.model ?? "-"); "
                    + "extra \(db.names(cpu.features.subtracting(wantCPU.features))) missing \(db.names(wantCPU.features.subtracting(cpu.features)))")
            }
        }
        #expect(differences.isEmpty, "\(agree)/\(names.count) agree; \(differences.joined(separator: "\n"))")
    }
}

/// Real libvirt XML of ../shared/data/inventory-samples as HOST input.
@Suite struct LibvirtSampleTests {
    @Test func capabilitiesDomcapabilitiesAndDomainsRead() throws {
        let db = try CPUDB.builtin()
        let base = SharedData.root.appending(path: "inventory-samples")
        let expected: [(String, String, String?, Int?)] = [
            ("libvirt-9.0.0/capabilities/caps-qemu-kvm.xml", "Haswell-noTSX", "Intel", 2),
            ("libvirt-9.0.0/domcapabilities/qemu_5.0.0.x86_64.xml", "Skylake-Client-IBRS", "Intel", nil),
            ("libvirt-9.0.0/domcapabilities/qemu_8.0.0.x86_64.xml", "EPYC-Rome", "AMD", nil),
            ("virt-manager/kvm-x86_64.xml", "Skylake-Client-noTSX-IBRS", "Intel", 1),
            ("virt-manager/kvm-x86_64-domcaps-latest.xml", "Skylake-Client-IBRS", "Intel", nil),
            ("virt-manager/kvm-x86_64-domcaps-amd-sev.xml", "EPYC-Milan", "AMD", nil),
            ("virt-manager/kvm-x86_64-domcaps-oldfirmware.xml", "Cooperlake", "Intel", nil),
            ("libvirt-9.0.0/domain-cpu/cpu-Haswell-noTSX.xml", "Haswell-noTSX", "Intel", nil),
            ("libvirt-9.0.0/domain-cpu/cpu-exact1.xml", "qemu64", nil, nil),
        ]
        for (file, model, vendor, sockets) in expected {
            let cpu = try db.resolveHost(base.appending(path: file).path)
            #expect(cpu.model?.name == model, "\(file)")
            #expect(cpu.vendor == vendor, "\(file)")
            #expect(cpu.sockets == sockets, "\(file)")
        }
        // domcapabilities latest: host-model Skylake-Client-IBRS with hle and rtm disabled.
        let latest = try db.resolveHost(base.appending(path: "virt-manager/kvm-x86_64-domcaps-latest.xml").path)
        #expect(!latest.features.contains(try db.feature(named: "hle").index))
        #expect(try db.model(named: "Skylake-Client-IBRS").features.contains(try db.feature(named: "hle").index))
        // cpu-exact1 disables features of qemu64.
        let exact = try db.resolveHost(base.appending(path: "libvirt-9.0.0/domain-cpu/cpu-exact1.xml").path)
        #expect(!exact.features.contains(try db.feature(named: "lm").index))
        // CPUs whose features the XML does not fix are refused with the reason.
        for (file, words) in [("libvirt-9.0.0/domain-cpu/cpu-host-passthrough.xml", "host-passthrough"),
                              ("libvirt-9.0.0/domain-cpu/cpu-host-model.xml", "host-model guest CPU"),
                              ("libvirt-9.0.0/migration-cookie/full-xml2xml-out.xml", "qemu-migration/cpu: a host-passthrough")] {
            let error = #expect(throws: MigPlanError.self) { try db.resolveHost(base.appending(path: file).path) }
            #expect(error?.description.contains(words) == true, "\(file): \(String(describing: error))")
        }
        // A Haswell-noTSX guest can run on the real Haswell-noTSX capabilities host.
        let haswell = try db.resolveHost(base.appending(path: "libvirt-9.0.0/capabilities/caps-qemu-kvm.xml").path)
        let c = db.compare(CPU(model: try db.model(named: "Haswell-noTSX")), haswell)
        #expect(c.compatible)
    }
}
