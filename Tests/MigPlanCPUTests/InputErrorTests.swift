import Foundation
import Testing
@testable import MigPlanCPU

/// Bad host files: each a typed error naming the file, line or key path and what was expected.
@Suite struct InputErrorTests {
    func error(_ text: String, file: String = "host.yaml") throws -> String {
        let db = try CPUDB.builtin()
        do {
            let cpu = try db.cpu(fromFile: file, text: text)
            return "no error: \(cpu.name)"
        } catch {
            return error.description
        }
    }

    @Test func descriptorErrorsNameFileLineAndKeyPath() throws {
        #expect(try error("vendor: Intel\nfamily: 6\nmodel: 85\nstepping: 4\nfeatures: [sse2, avx521f]\n")
            == "host.yaml:5: features[1]: unknown CPU feature 'avx521f' (did you mean 'avx512f', 'avx512pf'?)")
        #expect(try error("model: Skylake-Server\nadd: [pku]\nremov: [hle]\n")
            == "host.yaml:3: remov: unknown key 'remov' (did you mean 'remove'?); expected one of name, vendor, family, model, stepping, features, add, remove, brand, sockets, cpuModel, microarchitecture, added, removed, source, notes, otherCPUs")
        #expect(try error("model: Skylake-Servr\n") == "host.yaml:1: model: unknown CPU model 'Skylake-Servr' (did you mean 'Skylake-Server'?)")
        #expect(try error("family: 6\nmodel: 85\nstepping: 4\nfeatures: [sse2]\n").hasPrefix("host.yaml:1: missing 'vendor'"))
        #expect(try error("vendor: Intel\nfamily: 6\nmodel: 85\nstepping: 99\nfeatures: []\n")
            == "host.yaml:4: stepping: expected a whole number from 0 to 15, found 99")
        #expect(try error("vendor: Cyrix\nfeatures: []\n").contains("unknown CPU vendor 'Cyrix'"))
        #expect(try error("{\"vendor\": \"Intel\", \"features\": \"sse2\"}", file: "h.json")
            == "h.json:1: features: expected a list, found 'sse2'")
        #expect(try error("model: Skylake-Server\nmodel: Haswell\n") == "host.yaml:1: key given twice in one mapping: 'model'")
        #expect(try error("vendor: Intel\nfeatures: [sse2\n").hasPrefix("host.yaml:"))
        #expect(try error("   \n") == "host.yaml: empty file; expected a host descriptor (YAML or JSON)")
        #expect(try error("- just\n- a list\n").contains("expected a mapping"))
        #expect(try error("model: Skylake-Server\nvendor: AMD\n").contains("vendor AMD contradicts model Skylake-Server"))
    }

    @Test func descriptorFormsAreEquivalent() throws {
        let db = try CPUDB.builtin()
        let a = try db.cpu(fromFile: "a.yaml", text: "model: Skylake-Server\nadd: [pku]\nremove: [hle, rtm]\n")
        let explicit = db.names(try db.model(named: "Skylake-Server").features.union(try db.featureSet(["pku"]))
            .subtracting(try db.featureSet(["hle", "rtm"])))
        let b = try db.cpu(fromFile: "b.json", text: """
            {"vendor": "GenuineIntel", "family": 6, "model": 85, "stepping": 4, "features": \(explicit)}
            """)
        #expect(a.features == b.features)
        #expect(a.vendor == "Intel" && b.vendor == "Intel")
        #expect(b.signature == CPUSignature(family: 6, model: 85, stepping: 4))
    }

    @Test func libvirtXMLErrors() throws {
        #expect(try error("<cpu><model>Nehalem</model><feature policy='require' name='sse9'/></cpu>", file: "d.xml")
            .contains("d.xml: cpu/feature[1]: unknown CPU feature 'sse9'"))
        #expect(try error("<cpu><model>Nehalem</model>", file: "d.xml").hasPrefix("d.xml:1: not well-formed XML"))
        #expect(try error("<cpu mode='host-passthrough'/>", file: "d.xml").contains("host-passthrough CPU has no fixed feature set"))
        #expect(try error("<html/>", file: "d.xml").contains("expected libvirt <cpu>"))
        #expect(try error("<cpudata arch='x86'><cpuid eax_in='0x0' eax='zz'/></cpudata>", file: "d.xml")
            .contains("cpudata/cpuid[1]/@eax: expected a hexadecimal number"))
    }

    /// Mutated descriptors and XML: every outcome is a CPU or a MigPlanError, never a crash.
    @Test func mutatedInputsNeverCrash() throws {
        let db = try CPUDB.builtin()
        let seeds = [
            try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appending(path: "examples/hosts/esx-03-skylake.yaml"), encoding: .utf8),
            try SharedData.text(SharedData.cpuTestData.appending(path: "x86_64-cpuid-Xeon-Gold-6148-json.xml")),
            try SharedData.text(SharedData.cpuTestData.appending(path: "x86_64-cpuid-EPYC-7502-32-Core.xml")),
        ]
        var rng = SeededRandom(seed: 42)
        var outcomes = (ok: 0, errors: 0)
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for _ in 0..<150 {
                var m = bytes
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let i = Int(rng.next() % UInt64(m.count))
                    switch rng.next() % 4 {
                    case 0: m[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: m.remove(at: i)
                    case 2: m.insert(m[Int(rng.next() % UInt64(m.count))], at: i)
                    default: m = Array(m.prefix(i))
                    }
                    if m.isEmpty { m = [0x20] }
                }
                let text = String(decoding: m, as: UTF8.self)
                do {
                    _ = try db.cpu(fromFile: "mutant", text: text)
                    outcomes.ok += 1
                } catch {
                    #expect(!error.description.isEmpty)
                    outcomes.errors += 1
                }
            }
        }
        #expect(outcomes.ok + outcomes.errors == 450)
        #expect(outcomes.errors > 0)
    }
}
