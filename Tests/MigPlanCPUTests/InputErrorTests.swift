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

@Suite struct JSONReaderTests {
    @Test func readsStrictJSONWithLines() throws {
        let text = "{\n  \"a\": [1, -2.5e3, true, null],\n  \"b\": \"x\\u00e9\\n\\ud83d\\ude00\\\"\",\n  \"c\": {}\n}\n"
        let node = try InputNode.parse(text, file: "t.json")
        let map = try node.map()
        let a = try map["a"]!.list()
        #expect(try a[0].int() == 1)
        #expect(try a[1].double() == -2500)
        #expect(try a[2].bool())
        #expect(a[3].isNull)
        #expect(a[1].line == 2 && a[1].path == "a[1]")
        #expect(try map["b"]!.string() == "xé\n😀\"")
        #expect(map["c"]!.line == 4)
    }

    @Test func errorsNameTheLine() {
        func message(_ text: String) -> String {
            do { _ = try InputNode.parse(text, file: "t.json"); return "no error" } catch { return error.description }
        }
        #expect(message("{\n  \"a\": 1,\n  \"a\": 2\n}") == "t.json:3: a: key given twice")
        #expect(message("{\n  \"a\": [1, 2\n}") == "t.json:3: not valid JSON: expected ',' or ']'")
        #expect(message("{\"a\": tru}") == "t.json:1: not valid JSON: unknown literal")
        #expect(message("{\"a\": \"x") == "t.json:1: not valid JSON: the document ends inside a string")
        #expect(message("{\"a\": 1} x") == "t.json:1: not valid JSON: unexpected text after the JSON document")
        #expect(message("[1,,2]").hasPrefix("t.json:1: not valid JSON: unexpected character ','"))
    }
}
