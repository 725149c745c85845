import Foundation
import Testing
@testable import MigPlanInventory

/// schema/inventory.schema.json: the examples validate against it (with Debian's
/// python3-jsonschema), broken documents do not, and it names exactly the keys the loader reads.
@Suite struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func validate(_ documents: [String: String]) throws -> [String: String] {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            docs = json.load(sys.stdin)
            out = {}
            for name, text in docs.items():
                doc = yaml.safe_load(text)
                errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
                out[name] = "; ".join("/".join(map(str, e.path)) + ": " + e.message for e in errors)
            json.dump(out, sys.stdout)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, Self.root.appending(path: "schema/inventory.schema.json").path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(try JSONEncoder().encode(documents))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(stderr)")
        return try JSONDecoder().decode([String: String].self, from: data)
    }

    @Test func examplesValidateAndBrokenDocumentsDoNot() throws {
        var docs: [String: String] = [:]
        for example in ["examples/mixed-intel/inventory.yaml", "examples/amd-epyc/inventory.json", "examples/licensing/inventory.yaml"] {
            docs[example] = try String(contentsOf: Self.root.appending(path: example), encoding: .utf8)
        }
        docs["base"] = baseInventory
        docs["typo"] = baseInventory.replacingOccurrences(of: "    datastores: [ds1]\n    networks: [prod]\n    mac", with: "    datastore: [ds1]\n    networks: [prod]\n    mac")
        docs["negative"] = baseInventory.replacingOccurrences(of: "    memoryMiB: 4096\n    dirtyRateMiBps: 10", with: "    memoryMiB: -4096\n    dirtyRateMiBps: 10")
        docs["no-policy"] = baseInventory + "\nrules:\n  - name: r\n    kind: vm-host\n    vms: [vm-a]\n    hostGroup: g1\n"
        docs["bad-mac"] = baseInventory.replacingOccurrences(of: "\"00:50:56:00:00:01\"", with: "\"00:50:56\"")
        let result = try validate(docs)
        for example in ["examples/mixed-intel/inventory.yaml", "examples/amd-epyc/inventory.json", "examples/licensing/inventory.yaml", "base"] {
            #expect(result[example] == "", "\(example): \(result[example] ?? "missing")")
        }
        #expect(result["typo"]?.contains("'datastore' was unexpected") == true, "\(result["typo"] ?? "")")
        #expect(result["negative"]?.contains("vms/0/memoryMiB") == true)
        #expect(result["no-policy"]?.contains("'policy' is a required property") == true)
        #expect(result["bad-mac"]?.contains("vms/0/mac") == true)
    }

    @Test func schemaNamesTheKeysTheLoaderReads() throws {
        let data = try Data(contentsOf: Self.root.appending(path: "schema/inventory.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func keys(_ path: [String]) -> Set<String> {
            var node: Any = schema
            for step in path {
                if step == "items", let n = (node as? [String: Any])?["items"] {
                    node = n
                    if let all = (node as? [String: Any])?["allOf"] as? [Any] { node = all[0] }
                } else {
                    node = ((node as? [String: Any])?["properties"] as? [String: Any])?[step] ?? [:]
                }
            }
            return Set(((node as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
        }
        #expect(keys([]) == Set(Inventory.topKeys))
        #expect(keys(["cluster"]) == Set(Inventory.clusterKeys))
        #expect(keys(["cluster", "migration"]) == Set(Inventory.migrationKeys))
        #expect(keys(["cluster", "balance"]) == Set(Inventory.balanceKeys))
        #expect(keys(["hosts", "items"]) == Set(Inventory.hostKeys))
        #expect(keys(["vms", "items"]) == Set(Inventory.vmKeys))
        #expect(keys(["rules", "items"]) == Set(Inventory.ruleKeys))
        #expect(keys(["products", "items"]) == Set(Inventory.productKeys))
    }
}
