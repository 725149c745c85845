import Foundation
import Testing
@testable import MigPlanCPU

/// The 145 real CPUID dumps of ../shared/data/cpuid-dumps (libcpuid's test set).
@Suite struct DumpTests {
    struct Entry {
        var file: String, vendor: String, family: Int, model: Int, stepping: Int, brand: String
        var format: String, logicalCPUs: Int, cpuTypes: Int
    }

    static func index() throws -> [Entry] {
        let text = try SharedData.text(SharedData.root.appending(path: "cpuid-dumps/INDEX.csv"))
        var rows: [[String]] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            var fields: [String] = [], field = "", quoted = false
            for c in line {
                if c == "\"" { quoted.toggle() } else if c == "," && !quoted { fields.append(field); field = "" } else { field.append(c) }
            }
            fields.append(field)
            rows.append(fields)
        }
        func int(_ s: String) -> Int { s.hasPrefix("0x") ? Int(s.dropFirst(2), radix: 16)! : Int(s)! }
        // file,upstream_path,upstream_commit,stored_as,vendor,family,model,stepping,cpuid1_eax,brand,raw_format,logical_cpus,…,expected_cpu_types
        return rows.map { r in
            Entry(file: r[0], vendor: r[4], family: int(r[5]), model: int(r[6]), stepping: int(r[7]), brand: r[9],
                  format: r[10], logicalCPUs: int(r[11]), cpuTypes: int(r[16]))
        }
    }

    static func decode(_ e: Entry, _ db: CPUDB) throws -> DumpDecoding {
        let url = SharedData.root.appending(path: "cpuid-dumps").appending(path: e.file)
        return try db.decode(dump: try CPUIDDump.parse(try SharedData.text(url), file: e.file))
    }

    @Test func all145DumpsDecodeAsTheIndexSays() throws {
        let db = try CPUDB.builtin()
        let entries = try Self.index()
        #expect(entries.count == 145)
        var flavours: [CPUIDDump.Flavour: Int] = [:]
        for e in entries {
            let d = try Self.decode(e, db)
            let first = d.dump.cpus[0].raw
            #expect(first.vendorString == e.vendor, "\(e.file)")
            let sig = try #require(d.distinct[0].cpu.signature)
            #expect(sig == CPUSignature(family: e.family, model: e.model, stepping: e.stepping), "\(e.file): \(sig)")
            #expect(d.dump.declaredCPUs == e.logicalCPUs, "\(e.file) logical CPUs")
            #expect(d.distinct[0].cpu.vendor == db.vendor(named: e.vendor)?.name)
            flavours[d.dump.flavour, default: 0] += 1
            // Several expected CPU groups = several sockets or several core types.
            if e.cpuTypes > 1 {
                #expect(d.distinct.count == e.cpuTypes || d.sockets == e.cpuTypes, "\(e.file): \(d.distinct.count) distinct, \(d.sockets ?? 0) sockets, \(e.cpuTypes) expected")
            }
        }
        #expect(flavours[.libcpuid] == 17)
        #expect(flavours[.instlatx64] == 12)
        #expect(flavours[.aida64] == 116)
    }

    /// libcpuid, through migplan's wrapper, reads the same dumps (parsed by migplan) the same way.
    @Test func libcpuidAgreesOnForeignDumps() throws {
        let db = try CPUDB.builtin()
        var compared = 0
        var flagMismatches: [String] = []
        for e in try Self.index() {
            let d = try Self.decode(e, db)
            let identity = try LibCPUID.identify(d.dump.cpus[0].raw)
            if e.family == 7 && e.vendor == "CentaurHauls" {
                // Zhaoxin family 7: Debian's libcpuid 0.6.2 adds the extended model (0x5B for
                // CPUID.1 EAX 000507B3); the vendor rule (extended model only for families 6 and 15)
                // and newer libcpuid, whose expectation INDEX.csv holds, give 0x0B, as migplan does.
                #expect(identity.displayModel == e.model | Int((d.dump.cpus[0].raw[1]!.eax >> 16) & 0xF) << 4, "\(e.file)")
            } else {
                #expect(identity.displayFamily == e.family && identity.displayModel == e.model && identity.stepping == e.stepping, "\(e.file)")
            }
            // Every libcpuid flag that names a cpudb feature is one migplan decoded from the registers.
            let ours = d.distinct[0].cpu.features
            let removedByErrata = db.errataRemovals(vendor: d.distinct[0].cpu.vendor, signature: d.distinct[0].cpu.signature).0
            for flag in identity.flags {
                guard let i = db.featureIndex(named: flag), !removedByErrata.contains(i) else { continue }
                if !ours.contains(i) { flagMismatches.append("\(e.file): \(flag)") }
            }
            compared += 1
        }
        #expect(compared == 145)
        #expect(flagMismatches.isEmpty, "\(flagMismatches.prefix(20))")
    }

    @Test func skylakeAndCascadeLakeDumpsOfOneFamilyModelDiffer() throws {
        let db = try CPUDB.builtin()
        let base = SharedData.root.appending(path: "cpuid-dumps/libcpuid/intel/x86-64/skylake")
        let skylake = try db.resolveHost(base.appending(path: "intel-xeon-gold-6130-cpu-dual.test").path)
        let cascade = try db.resolveHost(base.appending(path: "intel-xeon-platinum-8280-cpu.test").path)
        #expect(skylake.signature == CPUSignature(family: 6, model: 85, stepping: 4))
        #expect(cascade.signature == CPUSignature(family: 6, model: 85, stepping: 7))
        #expect(db.microarchitecture(vendor: "Intel", signature: skylake.signature!)?.name == "Skylake-SP")
        #expect(db.microarchitecture(vendor: "Intel", signature: cascade.signature!)?.name == "Cascade Lake")
        #expect(skylake.model?.name.hasPrefix("Skylake-Server") == true)
        #expect(cascade.model?.name.hasPrefix("Cascadelake-Server") == true)
        let c = db.compare(cascade, skylake)
        #expect(!c.compatible)
        #expect(c.missing.contains("avx512vnni"))
        #expect(skylake.sockets == 2)
        #expect(skylake.notes.first?.contains("2 sockets") == true)
    }

    /// libcpuid's format keeps sub-leaf 0 of leaf 0xD only: xsaveopt (0xD.1:EAX[0]) is unknown on
    /// such a dump, so a check needing it says "not proven", never "lacks xsaveopt".
    @Test func subLeavesADumpCannotHoldAreUnknownNotAbsent() throws {
        let db = try CPUDB.builtin()
        let dir = SharedData.root.appending(path: "cpuid-dumps/libcpuid/intel/x86-64")
        let sandy = try db.resolveHost(dir.appending(path: "sandy-bridge/intel-xeon-cpu-e31275.test").path)
        #expect(db.names(sandy.unknown) == ["xfd", "xgetbv1", "xsavec", "xsaveopt", "xsaves"])
        #expect(sandy.unknown.intersection(sandy.features).isEmpty)
        // Leaf 7 sub-leaf 0 says sub-leaf 1 does not exist: avx-vnni is known absent, not unknown.
        #expect(!db.names(sandy.unknown).contains("avx-vnni"))
        #expect(sandy.notes.contains { $0.contains("5 features are unknown") })
        // A dump with every sub-leaf knows them all; a named model too.
        let full = try db.resolveHost(dir.appending(path: "skylake/intel-xeon-platinum-8280-cpu.test").path)
        #expect(full.unknown.isEmpty && db.names(full.features).contains("xsaveopt"))
        #expect(try db.resolveHost("SandyBridge").unknown.isEmpty)

        let guest = CPU(name: "guest", vendor: "Intel", features: try db.featureSet(["sse4.2", "avx", "xsave", "xsaveopt"]), origin: "test")
        let c = db.compare(guest, sandy)
        #expect(!c.compatible)
        #expect(c.missing.isEmpty && c.unverified == ["xsaveopt"])
        #expect(c.reasons.map(\.kind) == ["cpu-feature-unknown"])
        let doc = db.document(c)
        #expect(doc.unverified == ["xsaveopt"] && doc.missing.isEmpty)
        // A feature the dump does show as absent still blocks as missing.
        let avx2 = CPU(name: "guest", vendor: "Intel", features: try db.featureSet(["avx2", "xsaveopt"]), origin: "test")
        let d = db.compare(avx2, sandy)
        #expect(d.missing == ["avx2"] && d.unverified == ["xsaveopt"])
        #expect(d.reasons.map(\.kind) == ["cpu-feature", "cpu-feature-unknown"])
        // A baseline leaves such features out, says so, and has the host mask them in case they are there.
        let b = try db.baseline([sandy, full]).get()
        #expect(db.names(b.unknown) == ["xgetbv1", "xsavec", "xsaveopt"])
        #expect(b.features.intersection(b.unknown).isEmpty)
        #expect(db.names(b.hosts[0].disable).contains("xsaveopt") && db.names(b.hosts[1].disable).contains("xsaveopt"))
        #expect(db.document(b).unknown == ["xgetbv1", "xsavec", "xsaveopt"])
    }

    @Test func cpuidToolOutputOfThisMachineReadsBack() throws {
        let db = try CPUDB.builtin()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cpuid")
        p.arguments = ["-1", "-r"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let fromTool = try db.cpu(fromFile: "cpuid-r.txt", text: text)
        let live = try db.probeLocal()
        #expect(fromTool.features == live.cpu.features)
        #expect(fromTool.signature == live.cpu.signature)
        // migplan's own --save format is the same and reads back identically.
        let saved = CPUIDDump.render(live.raw, comment: "test")
        let back = try db.cpu(fromFile: "saved.txt", text: saved)
        #expect(back.features == live.cpu.features)
        #expect(try CPUIDDump.parse(saved, file: "saved.txt").cpus[0].raw == live.raw)
    }

    @Test func procCPUInfoOfThisMachine() throws {
        let db = try CPUDB.builtin()
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let cpu = try db.cpu(fromFile: "cpuinfo", text: text)
        let live = try db.probeLocal().cpu
        #expect(cpu.signature == live.signature)
        #expect(cpu.vendor == live.vendor)
        // Linux shows a subset of the CPUID bits (it hides osxsave and a few others).
        #expect(cpu.features.isSubset(of: live.features), "\(db.names(cpu.features.subtracting(live.features)))")
        #expect(live.features.subtracting(cpu.features).count < 10)
    }

    @Test func brokenDumpsNameFileAndLine() throws {
        let db = try CPUDB.builtin()
        func message(_ text: String) -> String {
            do { _ = try db.cpu(fromFile: "d.txt", text: text); return "no error" } catch { return error.description }
        }
        #expect(message("CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\nCPUID 00000001: 000306C3-00100800-7FFAFBF\n")
            == "d.txt:2: expected 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' (hexadecimal), found 'CPUID 00000001: 000306C3-00100800-7FFAFBF'")
        #expect(message("CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\n").contains("lacks CPUID leaf 1; the dump is truncated"))
        #expect(message("CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\nbasic_cpuid[1]=000306c3 00100800 7ffafbff bfebfbff\n")
            == "d.txt:2: mixes two dump flavours (aida64 and libcpuid); give one host's dump per file")
        #expect(message("CPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\nhello world\n").hasPrefix("d.txt:2: not a CPUID dump line"))
        #expect(message("CPUID 00000000: 0000000D-11111111-22222222-33333333\nCPUID 00000001: 000306C3-00100800-7FFAFBFF-BFEBFBFF\n")
            .contains("unknown CPU vendor string"))
        #expect(message("vendor_id : GenuineIntel\ncpu family : 6\nmodel : x\nstepping : 1\nflags : sse\n")
            == "d.txt:1: model: expected a whole number, found 'x'")
    }

    /// Mutated real dumps: a CPU or a clear error, never a crash.
    @Test func mutatedDumpsNeverCrash() throws {
        let db = try CPUDB.builtin()
        let entries = try Self.index()
        var rng = SeededRandom(seed: 2026)
        var results = (ok: 0, errors: 0)
        for e in entries where e.logicalCPUs <= 4 {
            let text = try SharedData.text(SharedData.root.appending(path: "cpuid-dumps").appending(path: e.file))
            var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
            for _ in 0..<(1 + Int(rng.next() % 5)) where !lines.isEmpty {
                let i = Int(rng.next() % UInt64(lines.count))
                switch rng.next() % 5 {
                case 0: lines.remove(at: i)
                case 1: lines[i] = String(lines[i].shuffled(using: &rng))
                case 2: lines = Array(lines.prefix(i))
                case 3: lines.insert(lines[Int(rng.next() % UInt64(lines.count))], at: i)
                default:
                    var chars = Array(lines[i])
                    if !chars.isEmpty { chars[Int(rng.next() % UInt64(chars.count))] = "Z" }
                    lines[i] = String(chars)
                }
            }
            do {
                _ = try db.cpu(fromFile: e.file, text: lines.joined(separator: "\n"))
                results.ok += 1
            } catch {
                #expect(error.description.hasPrefix(e.file) || error.description.contains("unknown"), "\(error)")
                results.errors += 1
            }
        }
        #expect(results.errors > 0 && results.ok > 0)
    }
}
