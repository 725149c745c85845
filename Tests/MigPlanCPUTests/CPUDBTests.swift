import Foundation
import Testing
@testable import MigPlanCPU

/// cpudb against libvirt 9.0's own cpu_map files in ../shared/data.
@Suite struct CPUDBTests {
    @Test func catalogueEqualsLibvirtFeatureMap() throws {
        let db = try CPUDB.builtin()
        let root = try SharedData.xml(SharedData.cpuMap.appending(path: "x86_features.xml"))
        let entries = root.elements(forName: "feature")
        #expect(entries.count == 212)
        #expect(db.features.count == 212)
        var cpuid = 0, msr = 0
        for (i, e) in entries.enumerated() {
            let name = try #require(e.attribute(forName: "name")?.stringValue)
            let f = db.features[i]
            #expect(f.name == name)
            #expect(f.migratable == (e.attribute(forName: "migratable")?.stringValue != "no"), "\(name)")
            if let c = e.elements(forName: "cpuid").first {
                cpuid += 1
                let leaf = try #require(parseHex(c.attribute(forName: "eax_in")!.stringValue!))
                let subleaf = c.attribute(forName: "ecx_in").flatMap { parseHex($0.stringValue!) } ?? 0
                let (register, mask) = try #require(CPUIDRegister.allCases.compactMap { r -> (CPUIDRegister, UInt32)? in
                    c.attribute(forName: r.rawValue).flatMap { parseHex($0.stringValue!) }.map { (r, $0) }
                }.first)
                #expect(f.location == .cpuid(leaf: leaf, subleaf: subleaf, register: register, bit: mask.trailingZeroBitCount), "\(name)")
            } else {
                msr += 1
                let m = try #require(e.elements(forName: "msr").first)
                let index = try #require(parseHex(m.attribute(forName: "index")!.stringValue!))
                let value = UInt64(parseHex(m.attribute(forName: "edx")!.stringValue!)!) << 32
                    | UInt64(parseHex(m.attribute(forName: "eax")!.stringValue!)!)
                #expect(f.location == .msr(index: index, bit: value.trailingZeroBitCount), "\(name)")
            }
        }
        #expect(cpuid == 202 && msr == 10)
    }

    @Test func all58ModelsEqualLibvirtModelFiles() throws {
        let db = try CPUDB.builtin()
        let index = try SharedData.xml(SharedData.cpuMap.appending(path: "index.xml"))
        let x86 = try #require(index.elements(forName: "arch").first { $0.attribute(forName: "name")?.stringValue == "x86" })
        let files = x86.elements(forName: "include").compactMap { $0.attribute(forName: "filename")?.stringValue }
            .filter { $0 != "x86_vendors.xml" && $0 != "x86_features.xml" }
        #expect(files.count == 58)
        let ours = db.models.filter { $0.kind == .libvirt }
        #expect(ours.map(\.name).count == 58)
        for (file, model) in zip(files, ours) {
            let m = try #require(try SharedData.xml(SharedData.cpuMap.appending(path: file)).elements(forName: "model").first)
            #expect(model.name == m.attribute(forName: "name")?.stringValue, "cpu_map order at \(file)")
            #expect(model.vendor == m.elements(forName: "vendor").first?.attribute(forName: "name")?.stringValue, "\(model.name)")
            let listed = m.elements(forName: "feature")
            let kept = Set(listed.filter { $0.attribute(forName: "removed")?.stringValue != "yes" }.compactMap { $0.attribute(forName: "name")?.stringValue })
            let removed = Set(listed.filter { $0.attribute(forName: "removed")?.stringValue == "yes" }.compactMap { $0.attribute(forName: "name")?.stringValue })
            #expect(Set(db.names(model.features)) == kept, "\(model.name) features")
            #expect(Set(db.names(model.removedFeatures)) == removed, "\(model.name) removed features")
            let decode = m.elements(forName: "decode").first
            #expect(model.decodeHost == (decode?.attribute(forName: "host")?.stringValue == "on"), "\(model.name)")
            #expect(model.decodeGuest == (decode?.attribute(forName: "guest")?.stringValue == "on"), "\(model.name)")
            let signatures = m.elements(forName: "signature").map { s in
                SignatureRange(family: Int(s.attribute(forName: "family")!.stringValue!)!,
                               model: Int(s.attribute(forName: "model")!.stringValue!)!,
                               steppings: s.attribute(forName: "stepping").flatMap { SignatureRange.parseSteppings($0.stringValue!) })
            }
            #expect(model.signatures == signatures, "\(model.name) signatures")
        }
    }

    @Test func aliasesResolveToCanonicalNames() throws {
        let db = try CPUDB.builtin()
        let cases = ["sse3": "pni", "SSE3": "pni", "sse4_1": "sse4.1", "sse4-2": "sse4.2", "pclmulqdq": "pclmuldq",
                     "lahf-lm": "lahf_lm", "xd": "nx", "tsc_deadline": "tsc-deadline", "avx512_vnni": "avx512vnni",
                     "sse4.1": "sse4.1", "nodeid-msr": "nodeid_msr"]
        for (alias, canonical) in cases {
            #expect(db.featureIndex(named: alias).map { db.features[$0].name } == canonical, "\(alias)")
        }
        // Every alias of every feature leads back to it (Xen's names are output only).
        var unresolved: [String] = []
        for f in db.features {
            for (source, names) in f.aliases where source != .xen {
                for n in names where db.featureIndex(named: n) != f.index { unresolved.append("\(source):\(n)→\(f.name)") }
            }
        }
        #expect(unresolved.isEmpty, "\(unresolved)")
        #expect(db.featureIndex(named: "sse5") == nil)
    }

    @Test func unknownNamesSuggestCloseOnes() throws {
        let db = try CPUDB.builtin()
        let error = #expect(throws: MigPlanError.self) { try db.model(named: "Skylake-Servr") }
        #expect(error?.description.contains("did you mean 'Skylake-Server'") == true, "\(String(describing: error))")
        do {
            _ = try db.feature(named: "avx521f")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("did you mean 'avx512f'"))
        }
    }

    @Test func modelsCannotChangeMeaningSilently() throws {
        var files: [String: String] = [:]
        let cpudb = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "cpudb")
        for name in ["features.json", "vendors.json", "models/libvirt.json", "models/evc.json", "models/x86-64-levels.json",
                     "microarchitectures.json", "errata.json"] {
            files[name] = try String(contentsOf: cpudb.appending(path: name), encoding: .utf8)
        }
        #expect(throws: Never.self) { try CPUDB(files: files) }
        // Give Skylake-Server one more feature without a new version: refused.
        var tampered = files
        tampered["models/libvirt.json"] = files["models/libvirt.json"]!.replacingOccurrences(
            of: #"{"name": "Skylake-Server", "version": 1, "vendor": "Intel", "decode": {"host": true, "guest": true}, "signatures": [{"family": 6, "model": 85, "stepping": "0-4"}], "features": ["3dnowprefetch", "#,
            with: #"{"name": "Skylake-Server", "version": 1, "vendor": "Intel", "decode": {"host": true, "guest": true}, "signatures": [{"family": 6, "model": 85, "stepping": "0-4"}], "features": ["avx512vnni", "3dnowprefetch", "#)
        #expect(tampered != files)
        do {
            _ = try CPUDB(files: tampered)
            Issue.record("a changed model loaded")
        } catch {
            #expect(error.description.contains("Skylake-Server@1 no longer matches its fingerprint"))
            #expect(error.description.contains("version 2"))
        }
    }

    @Test func evcModesAndLevelsAreOrdered() throws {
        let db = try CPUDB.builtin()
        let intel = ["intel-merom", "intel-penryn", "intel-nehalem", "intel-westmere", "intel-sandybridge", "intel-ivybridge",
                     "intel-haswell", "intel-broadwell", "intel-skylake", "intel-cascadelake", "intel-icelake", "intel-sapphirerapids"]
        let modes = try intel.map { try db.model(named: $0) }
        for (a, b) in zip(modes, modes.dropFirst()) {
            #expect(a.features.isSubset(of: b.features) && a.features != b.features, "\(a.name) ⊂ \(b.name)")
            #expect(b.vendor == "Intel" && b.kind == .evc)
        }
        #expect(try db.model(named: "EVC-L9").name == "intel-cascadelake")
        // AMD: A0 ⊂ A1 ⊂ A3; B0 = A3 without 3DNow!; B0 ⊂ B1 ⊂ B2 ⊂ B3.
        let a = try ["amd-rev-e", "amd-rev-f", "amd-greyhound"].map { try db.model(named: $0).features }
        #expect(a[0].isSubset(of: a[1]) && a[1].isSubset(of: a[2]))
        let b0 = try db.model(named: "amd-greyhound-no3dnow").features
        #expect(b0.isSubset(of: a[2]))
        #expect(!db.names(a[2].subtracting(b0)).isEmpty)
        let b = try ["amd-bulldozer", "amd-piledriver", "amd-steamroller"].map { try db.model(named: $0).features }
        #expect(b0.isSubset(of: b[0]) && b[0].isSubset(of: b[1]) && b[1].isSubset(of: b[2]))
        let levels = try (1...4).map { try db.model(named: "x86-64-v\($0)") }
        for (x, y) in zip(levels, levels.dropFirst()) { #expect(x.features.isSubset(of: y.features)) }
        #expect(levels.allSatisfy { $0.vendor == nil })
        // Skylake-Server is x86-64-v4, Nehalem v2. libvirt's Haswell model lacks abm and f16c
        // (QEMU history, not the hardware), so it is only v2.
        let level = { (m: String) in db.bestContainedModel(try db.model(named: m).features, vendor: nil, kinds: [.level])?.name }
        #expect(try level("Skylake-Server") == "x86-64-v4")
        #expect(try level("EPYC") == "x86-64-v3")
        #expect(try level("Haswell") == "x86-64-v2")
        #expect(db.bestContainedModel(try db.model(named: "Nehalem").features, vendor: nil, kinds: [.level])?.name == "x86-64-v2")
    }

    @Test func vendorAndSteppingClasses() throws {
        let db = try CPUDB.builtin()
        #expect(db.vendor(named: "GenuineIntel")?.name == "Intel")
        #expect(db.vendor(named: "AuthenticAMD")?.name == "AMD")
        #expect(db.vendor(named: "HygonGenuine")?.name == "Hygon")
        #expect(db.vendor(named: "CentaurHauls")?.name == "Zhaoxin")
        #expect(db.vendor(named: "  Shanghai  ")?.name == "Zhaoxin")
        let sp = { (s: Int) in db.microarchitecture(vendor: "Intel", signature: CPUSignature(family: 6, model: 85, stepping: s))?.name }
        #expect(sp(4) == "Skylake-SP")
        #expect(sp(0) == "Skylake-SP")
        #expect(sp(5) == "Cascade Lake")
        #expect(sp(7) == "Cascade Lake")
        #expect(sp(11) == "Cooper Lake")
        #expect(sp(8) == "Skylake-SP family")
        // Signature matching of models follows the stepping ranges.
        let cascade = CPUSignature(family: 6, model: 85, stepping: 7)
        #expect(try db.model(named: "Cascadelake-Server").matches(cascade))
        #expect(try !db.model(named: "Skylake-Server").matches(cascade))
        // TSX erratum: Haswell-EP stepping 2 yes, stepping 4 no; never AMD.
        #expect(!db.errataRemovals(vendor: "Intel", signature: CPUSignature(family: 6, model: 63, stepping: 2)).0.isEmpty)
        #expect(db.errataRemovals(vendor: "Intel", signature: CPUSignature(family: 6, model: 63, stepping: 4)).0.isEmpty)
        #expect(db.errataRemovals(vendor: "AMD", signature: CPUSignature(family: 6, model: 60, stepping: 3)).0.isEmpty)
    }

    @Test func signatureRoundTripsThroughCPUIDEAX() {
        for eax: UInt32 in [0x0005_0654, 0x0005_0657, 0x0003_06C3, 0x0080_0F12, 0x00A0_0F11, 0x0000_06FB, 0x0010_0F22] {
            let s = CPUSignature(cpuidEAX: eax)
            #expect(s.cpuidEAX == eax, "\(String(eax, radix: 16))")
        }
        #expect(CPUSignature(cpuidEAX: 0x0005_0657) == CPUSignature(family: 6, model: 85, stepping: 7))
        #expect(CPUSignature(cpuidEAX: 0x00A0_0F11) == CPUSignature(family: 25, model: 1, stepping: 1))
    }
}
