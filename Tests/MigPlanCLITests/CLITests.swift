import Foundation
import Testing

/// The built `migplan` binary, run as operators and scripts run it.
struct CLI {
    static let binary: URL = {
        // The test runner sits beside the products of the same build.
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir.appending(path: "migplan"), dir.deletingLastPathComponent().appending(path: "migplan")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        return root.appending(path: ".build/debug/migplan")
    }()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    }

    static func run(_ args: String...) throws -> Result { try run(args) }

    static func run(_ args: [String], stdin: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        if stdin != nil { p.standardInput = input }
        try p.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite struct CLITests {
    @Test func checkCascadeLakeToSkylakeSaysNo() throws {
        let r = try CLI.run("check", "Cascadelake-Server", "Skylake-Server", "--json")
        #expect(r.status == 1)
        let doc = try #require(r.json as? [String: Any])
        #expect(doc["source"] as? String == "Cascadelake-Server")
        #expect(doc["destination"] as? String == "Skylake-Server")
        #expect(doc["compatible"] as? Bool == false)
        #expect(doc["verdict"] as? String == "superset")
        #expect((doc["missing"] as? [String])?.contains("avx512vnni") == true)
        #expect(doc["unverified"] as? [String] == [])
        #expect((doc["extra"] as? [String]) == [])
        let reasons = try #require(doc["reasons"] as? [[String: Any]])
        #expect(reasons.first?["kind"] as? String == "cpu-feature")
        #expect(r.stderr.isEmpty)
        let text = try CLI.run("check", "Cascadelake-Server", "Skylake-Server")
        #expect(text.status == 1 && text.stdout.contains("avx512vnni"))
        #expect(try CLI.run("check", "Skylake-Server", "Cascadelake-Server").status == 0)
    }

    @Test func checkAcrossVendorsSaysNoBecauseOfTheVendor() throws {
        let r = try CLI.run("check", "Opteron_G3", "Nehalem", "--json")
        #expect(r.status == 1)
        let doc = try #require(r.json as? [String: Any])
        #expect(doc["verdict"] as? String == "incompatible")
        let kinds = (doc["reasons"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds?.first == "cpu-vendor")
    }

    @Test func baselineWritesEveryFormat() throws {
        let vmx = try CLI.run("baseline", "Nehalem", "Westmere", "SandyBridge", "--format", "vmx")
        #expect(vmx.status == 0)
        #expect(vmx.stdout.contains("# SandyBridge: hide 7 features"))
        #expect(vmx.stdout.contains("cpuid.1.ecx = \""))
        let json = try CLI.run("baseline", "Nehalem", "Westmere", "SandyBridge", "--json")
        let doc = try #require(json.json as? [String: Any])
        #expect(doc["vendor"] as? String == "Intel")
        #expect(doc["model"] as? String == "Nehalem")
        #expect((doc["features"] as? [String])?.contains("sse4.2") == true)
        #expect(doc["extra"] as? [String] == [])
        let hosts = try #require(doc["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["name"] as? String } == ["Nehalem", "Westmere", "SandyBridge"])
        let masks = try #require(doc["masks"] as? [String: String])
        #expect(Set(masks.keys) == ["vmx", "xl", "libvirt", "qemu"])
        for f in ["xl", "libvirt", "qemu"] {
            #expect(try CLI.run("baseline", "Nehalem", "Westmere", "--format", f).status == 0)
        }
        let files = try CLI.run("baseline", "examples/hosts/esx-01-cascadelake.yaml", "examples/hosts/esx-03-skylake.yaml",
                                "examples/hosts/esx-04-haswell.json", "--format", "libvirt")
        #expect(files.status == 0 && files.stdout.hasPrefix("<cpu mode='custom' match='exact'"))
    }

    @Test func baselineAcrossVendorsExitsOneWithTheGroups() throws {
        let r = try CLI.run("baseline", "Nehalem", "Opteron_G3", "--json")
        #expect(r.status == 1)
        let doc = try #require(r.json as? [String: Any])
        #expect(doc["error"] as? String == "vendor-mismatch")
        #expect((doc["groups"] as? [String: [String]]) == ["Intel": ["Nehalem"], "AMD": ["Opteron_G3"]])
    }

    @Test func badInputExitsTwoWithOneClearLine() throws {
        let cases: [([String], String)] = [
            (["check", "Skylake-Servr", "Nehalem"], "did you mean 'Skylake-Server'"),
            (["baseline"], "no hosts given"),
            (["check", "Nehalem"], "Missing expected argument"),
            (["check", "/nonexistent/host.yaml", "Nehalem"], "neither a CPU model nor a readable file"),
            (["baseline", "Nehalem", "--format", "vmware"], "--format"),
            (["frobnicate", "Nehalem"], "unexpected arguments"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args.first == "frobnicate" ? args : args + ["--json"])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args)")
        }
        // A malformed host file: file, line and key named, on one line.
        let dir = FileManager.default.temporaryDirectory.appending(path: "migplan-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appending(path: "bad.yaml")
        try "vendor: Intel\nfamily: 6\nmodel: 85\nstepping: 4\nfeatures: [sse2, sse3, avx521f]\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run("check", bad.path, "Skylake-Server")
        #expect(r.status == 2)
        #expect(r.stderr == "migplan: \(bad.path):5: features[2]: unknown CPU feature 'avx521f' (did you mean 'avx512f', 'avx512pf'?)\n")
    }

    @Test func listsAndProbe() throws {
        let models = try CLI.run("models", "--json")
        #expect(models.status == 0)
        let list = try #require(models.json as? [[String: Any]])
        #expect(list.filter { $0["kind"] as? String == "libvirt" }.count == 58)
        let features = try CLI.run("features", "--json")
        #expect((features.json as? [[String: Any]])?.count == 212)
        let probe = try CLI.run("probe", "--json")
        #expect(probe.status == 0)
        let doc = try #require(probe.json as? [String: Any])
        for key in ["vendor", "family", "model", "stepping", "brand", "cpuModel", "features"] {
            #expect(doc[key] != nil, "probe --json lacks \(key)")
        }
        // The probe's JSON is a HOST: this machine is compatible with itself.
        let dir = FileManager.default.temporaryDirectory.appending(path: "migplan-probe-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let me = dir.appending(path: "me.json")
        try probe.stdout.write(to: me, atomically: true, encoding: .utf8)
        let self_ = try CLI.run("check", me.path, me.path, "--json")
        #expect(self_.status == 0)
        #expect((self_.json as? [String: Any])?["verdict"] as? String == "identical")
    }

    @Test func realDumpsAsHosts() throws {
        let base = "../shared/data/cpuid-dumps/libcpuid/intel/x86-64/skylake/"
        let r = try CLI.run("check", base + "intel-xeon-platinum-8280-cpu.test", base + "intel-xeon-gold-6130-cpu-dual.test", "--json")
        #expect(r.status == 1)
        let doc = try #require(r.json as? [String: Any])
        #expect((doc["missing"] as? [String])?.contains("avx512vnni") == true)
        // The 6130 dump has no CPUID 0xF sub-leaf 1 though sub-leaf 0 announces it: unknown, not absent.
        #expect(doc["unverified"] as? [String] == ["mbm_local", "mbm_total"])
        #expect((doc["missing"] as? [String])?.contains("mbm_local") == false)
        let cpus = try #require(doc["sourceCPU"] as? [String: Any])
        #expect(cpus["stepping"] as? Int == 7 && cpus["microarchitecture"] as? String == "Cascade Lake")
        let dst = try #require(doc["destinationCPU"] as? [String: Any])
        #expect(dst["stepping"] as? Int == 4 && dst["microarchitecture"] as? String == "Skylake-SP")
        // A hybrid dump: every distinct CPU, and which one a HOST uses.
        let hybrid = try CLI.run("probe", "--raw", "../shared/data/cpuid-dumps/libcpuid/intel/x86-64/redwood-cove/intel-core-ultra-7-155h.test", "--json")
        #expect(hybrid.status == 0)
        let h = try #require(hybrid.json as? [String: Any])
        #expect((h["otherCPUs"] as? [[String: Any]])?.count == 2)
        #expect((h["notes"] as? [String])?.first?.contains("used the one of Logical CPU #0") == true)
        // A truncated dump: exit 2, file and line.
        let dir = FileManager.default.temporaryDirectory.appending(path: "migplan-dump-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appending(path: "bad.test")
        try "------[ Logical CPU #0 ]------\nCPUID 00000000: 0000000D-756E6547-6C65746E-49656E69\nCPUID 00000001: 000306C3-0010\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let e = try CLI.run("check", bad.path, "Nehalem")
        #expect(e.status == 2)
        #expect(e.stderr.hasPrefix("migplan: \(bad.path):3: expected 'CPUID LLLLLLLL"))
    }

    @Test func inventoryCommands() throws {
        let inv = "examples/mixed-intel/inventory.yaml"
        // A VM as SRC: every readiness check.
        let ok = try CLI.run("check", "legacy-erp", "esx-01", "--inventory", inv, "--json")
        #expect(ok.status == 0)
        let doc = try #require(ok.json as? [String: Any])
        #expect(doc["compatible"] as? Bool == true)
        #expect(doc["source"] as? String == "legacy-erp" && doc["destination"] as? String == "esx-01")
        #expect((doc["precopy"] as? [String: Any])?["converges"] as? Bool == true)
        let no = try CLI.run("check", "db-ledger", "esx-06", "--inventory", inv, "--json")
        #expect(no.status == 1)
        let reasons = ((no.json as? [String: Any])?["reasons"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(reasons == ["cpu-feature", "precopy"])
        // Host names of the inventory as CPUs.
        #expect(try CLI.run("check", "esx-01", "esx-07", "--inventory", inv).status == 0)
        #expect(try CLI.run("check", "esx-07", "esx-01", "--inventory", inv).status == 1)
        // explain lists every check.
        let explain = try CLI.run("explain", "cache-25", "esx-06", "--inventory", inv)
        #expect(explain.status == 1)
        #expect(explain.stdout.contains("BLOCK passthrough"))
        #expect(explain.stdout.contains("ok    datastore"))
        let bad = try CLI.run("explain", "cache-99", "esx-06", "--inventory", inv)
        #expect(bad.status == 2 && bad.stderr.contains("no VM 'cache-99'"))
        #expect(try CLI.run("explain", "cache-25", "esx-06").status == 2)
        // matrix: text and JSON.
        let matrix = try CLI.run("matrix", "--inventory", inv, "--json")
        #expect(matrix.status == 0)
        let m = try #require(matrix.json as? [String: Any])
        #expect(m["vmCount"] as? Int == 42 && m["hostCount"] as? Int == 8)
        #expect(((m["reasons"] as? [String: Int])?["cpu-feature"] ?? 0) > 0)
        #expect((m["guestCPUClasses"] as? [[String: Any]])?.isEmpty == false)
    }

    @Test func inventoryFromStandardInput() throws {
        let generated = try CLI.run("generate", "--hosts", "8", "--vms", "120", "--seed", "3")
        #expect(generated.status == 0)
        let piped = try CLI.run(["matrix", "--inventory", "-", "--json"], stdin: Data(generated.stdout.utf8))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect((piped.json as? [String: Any])?["vmCount"] as? Int == 120)
        // Same seed, same inventory.
        #expect(try CLI.run("generate", "--hosts", "8", "--vms", "120", "--seed", "3").stdout == generated.stdout)
        let broken = try CLI.run(["matrix", "--inventory", "-"], stdin: Data("{\n  \"version\": 1,\n  \"cluster\": {\"name\": 5}\n}\n".utf8))
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("migplan: <stdin>:"))
    }

    @Test func planCommand() throws {
        let r = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--json", "--time-limit", "5")
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(r.json as? [String: Any])
        for key in ["status", "moves", "placement", "before", "after", "bound", "licenses", "solver"] {
            #expect(doc[key] != nil, "plan --json lacks \(key)")
        }
        let moves = try #require(doc["moves"] as? [[String: Any]])
        #expect(!moves.isEmpty)
        for key in ["vm", "from", "to", "wave", "seconds", "downtimeMs", "megabytes", "reason"] { #expect(moves[0][key] != nil) }
        // esx-02 is in maintenance: everything leaves it.
        let placement = try #require(doc["placement"] as? [String: String])
        #expect(placement.count == 42 && !placement.values.contains("esx-02"))
        let bound = try #require(doc["bound"] as? [String: Any])
        #expect(bound["objective"] as? String == "l1-deviation+migration-cost")
        #expect((bound["lower"] as? Double ?? .infinity) <= (bound["achieved"] as? Double ?? 0))
        #expect(((doc["after"] as? [String: Any])?["imbalance"] as? Double ?? 1) < ((doc["before"] as? [String: Any])?["imbalance"] as? Double ?? 0))
        // Text, thresholds, evacuation, consolidation.
        let text = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--threshold", "1")
        #expect(text.status == 0 && text.stdout.contains("evacuation"))
        let evac = try CLI.run("plan", "examples/amd-epyc/inventory.json", "--evacuate", "kvm-02", "--json")
        #expect(evac.status == 0)
        let evacPlacement = (evac.json as? [String: Any])?["placement"] as? [String: String] ?? [:]
        #expect(!evacPlacement.isEmpty && !evacPlacement.values.contains("kvm-02"))
        // Consolidation keeps the move caps: with maxMovesPerHost 8 no host of the licensing
        // cluster can be emptied in one plan; without caps one can.
        let capped = try CLI.run("plan", "examples/licensing/inventory.yaml", "--goal", "consolidate", "--json")
        #expect(capped.status == 0)
        #expect(((capped.json as? [String: Any])?["emptiedHosts"] as? [String]) == [])
        let uncapped = try String(contentsOf: CLI.root.appending(path: "examples/licensing/inventory.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "maxMovesPerHost: 8", with: "maxMovesPerHost: 0")
        let dpm = try CLI.run(["plan", "-", "--goal", "consolidate", "--json"], stdin: Data(uncapped.utf8))
        #expect(dpm.status == 0)
        #expect(((dpm.json as? [String: Any])?["emptiedHosts"] as? [String])?.isEmpty == false)
        // Bad options and an unknown host to evacuate: exit 2.
        #expect(try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--threshold", "7").status == 2)
        let bad = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--evacuate", "esx-99")
        #expect(bad.status == 2 && bad.stderr.contains("--evacuate esx-99: no such host"))
    }

    /// `plan --target-imbalance`: the plan's σ is within the target, the JSON says so and names the
    /// bytes objective with its bound; a target below what any plan reaches says "not reached";
    /// a negative target or one with consolidation is bad usage (exit 2).
    @Test func planForATargetImbalance() throws {
        let r = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--target-imbalance", "0.05", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(r.json as? [String: Any])
        let target = try #require(doc["target"] as? [String: Any])
        #expect(target["imbalance"] as? Double == 0.05 && target["reached"] as? Bool == true)
        #expect(((doc["after"] as? [String: Any])?["imbalance"] as? Double ?? 1) <= 0.05)
        let bound = try #require(doc["bound"] as? [String: Any])
        #expect(bound["objective"] as? String == "pre-copy-MiB subject to imbalance <= target")
        #expect((bound["lower"] as? Double ?? .infinity) <= (bound["achieved"] as? Double ?? 0))
        let text = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--target-imbalance", "0")
        #expect(text.status == 0 && text.stdout.contains("target imbalance σ ≤ 0.0000: not reached"), "\(text.stdout)")
        #expect(try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--target-imbalance", "-0.1").status == 2)
        let both = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--target-imbalance", "0.1", "--goal", "consolidate")
        #expect(both.status == 2 && both.stderr.contains("--goal balance"))
    }

    /// `plan --write-model` writes the full model as free MPS (an x column per VM and host it may
    /// end on, integers marked) and plans as usual; an unwritable path is bad input (exit 2).
    @Test func planWritesTheModel() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("migplan-\(UUID().uuidString).mps").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--time-limit", "2", "--write-model", path, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        #expect((r.json as? [String: Any])?["moves"] != nil)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for part in ["ROWS", "COLUMNS", "'INTORG'", "RHS", "BOUNDS", "ENDATA", " x_0_"] { #expect(text.contains(part), "no \(part) in the model") }
        let bad = try CLI.run("plan", "examples/mixed-intel/inventory.yaml", "--write-model", "/nonexistent-dir/model.mps")
        #expect(bad.status == 2 && bad.stderr.contains("/nonexistent-dir/model.mps"))
    }

    @Test func infeasiblePlanSaysWhichVMAndConstraint() throws {
        // Put the AMD cluster's Milan-only VM's possible hosts into maintenance.
        let text = try String(contentsOf: CLI.root.appending(path: "examples/amd-epyc/inventory.json"), encoding: .utf8)
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var hosts = try #require(doc["hosts"] as? [[String: Any]])
        for i in hosts.indices where ["kvm-04", "kvm-06"].contains(hosts[i]["name"] as? String) { hosts[i]["state"] = "maintenance" }
        doc["hosts"] = hosts
        let data = try JSONSerialization.data(withJSONObject: doc)
        let r = try CLI.run(["plan", "-", "--json"], stdin: data)
        #expect(r.status == 1)
        let out = try #require(r.json as? [String: Any])
        #expect(out["status"] as? String == "infeasible")
        let why = try #require(out["infeasibilities"] as? [[String: String]])
        #expect(why.contains { $0["vm"] == "tenant-01" && ($0["constraint"] ?? "").contains("no host can take it") })
    }

    @Test func reportCommand() throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "migplan-report-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let html = dir.appending(path: "r.html"), csv = dir.appending(path: "r.csv")
        let r = try CLI.run("report", "examples/licensing/inventory.yaml", "--scenario", "current", "--scenario", "confine:oracle-ee",
                            "--html", html.path, "--csv", csv.path, "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(r.json as? [String: Any])
        let scenarios = try #require(doc["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["name"] as? String } == ["current", "confine:oracle-ee"])
        for s in scenarios {
            for key in ["name", "feasible", "hostsUsed", "moves", "products", "totalCost"] { #expect(s[key] != nil, "\(key)") }
        }
        let oracle = try #require((scenarios[1]["products"] as? [String: Any])?["oracle-ee"] as? [String: Any])
        #expect(oracle["units"] as? Double == 32 && oracle["cost"] as? Double == 1_520_000)
        #expect((oracle["hosts"] as? [String])?.count == 2)
        #expect(try String(contentsOf: html, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        #expect(try String(contentsOf: csv, encoding: .utf8).hasPrefix("scenario,feasible"))
        let bad = try CLI.run("report", "examples/licensing/inventory.yaml", "--scenario", "confine:sap")
        #expect(bad.status == 2 && bad.stderr.contains("no product 'sap'"))
    }
}

@Suite struct ROADEFCLITests {
    static let folder = "../shared/data/roadef2012/A/"

    @Test func optimizeWritesAnAssignmentTheEvaluatorAccepts() throws {
        let out = FileManager.default.temporaryDirectory.appending(path: "migplan-roadef-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run("roadef", Self.folder + "model_a1_2.txt", Self.folder + "assignment_a1_2.txt", "-o", out,
                            "--move-budget", "50000", "--seed", "5", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(r.json as? [String: Any])
        #expect(doc["status"] as? String == "completed")
        let before = try #require(doc["before"] as? [String: Any]), after = try #require(doc["after"] as? [String: Any])
        #expect(Set(before.keys) == ["load", "balance", "processMove", "serviceMove", "machineMove"])
        let cost = try #require(doc["cost"] as? Int), initial = try #require(doc["initialCost"] as? Int)
        #expect(cost < initial)
        #expect((after["load"] as? Int).map { $0 > 0 } == true)
        let e = try CLI.run("roadef", "evaluate", Self.folder + "model_a1_2.txt", Self.folder + "assignment_a1_2.txt", out, "--json")
        #expect(e.status == 0)
        #expect((e.json as? [String: Any])?["feasible"] as? Bool == true)
        // Same seed and budget: the same assignment.
        let again = try CLI.run("roadef", Self.folder + "model_a1_2.txt", Self.folder + "assignment_a1_2.txt",
                                "--move-budget", "50000", "--seed", "5", "--json")
        #expect((again.json as? [String: Any])?["cost"] as? Int == cost)
    }

    @Test func benchWithSeveralSeedsPrintsARowPerRunAndTheMeans() throws {
        let r = try CLI.run("bench", "roadef", "--time-limit", "1", "--only", "a1_1", "--only", "a2_1", "--seed", "3", "--seed", "4")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| a") }
        #expect(rows.count == 4)
        #expect(rows.contains { $0.hasPrefix("| a1_1 | 3 | 49528750 |") } && rows.contains { $0.hasPrefix("| a1_1 | 4 | 49528750 |") })
        #expect(r.stdout.contains("set A (seed 3): mean gap") && r.stdout.contains("set A (seed 4): mean gap"))
        #expect(r.stdout.contains("set A, all 2 seeds: mean gap") && r.stdout.contains("over 2 runs"))
        #expect(r.stdout.contains("a2_1 (seed 3): ") && r.stdout.contains("a2_1 (seed 4): "))
        // One seed: the table has no seed column.
        let one = try CLI.run("bench", "roadef", "--time-limit", "1", "--only", "a1_1")
        #expect(one.stdout.contains("| a1_1 | 49528750 |") && one.stdout.contains("set A: mean gap"))
        // A seed given twice would count twice in the means: refused before anything runs.
        let twice = try CLI.run("bench", "roadef", "--time-limit", "1", "--only", "a1_1", "--seed", "2", "--seed", "2")
        #expect(twice.status == 2 && twice.stderr.contains("--seed") && twice.stdout.isEmpty)
    }

    @Test func badInputNamesFileAndLine() throws {
        let bad = FileManager.default.temporaryDirectory.appending(path: "migplan-roadef-bad-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try "1 2\n3 x\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run("roadef", Self.folder + "model_a1_2.txt", bad)
        #expect(r.status == 2)
        #expect(r.stderr.contains(bad) && r.stderr.contains("2"))
    }
}
