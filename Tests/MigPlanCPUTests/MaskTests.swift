import Foundation
import Testing
@testable import MigPlanCPU

/// Every mask syntax is read back and must give the same features it was written from.
@Suite struct MaskTests {
    static let clusters: [[String]] = [
        ["Nehalem", "Westmere", "SandyBridge"],
        ["Cascadelake-Server", "Skylake-Server", "Icelake-Server", "Cooperlake"],
        ["EPYC-Rome", "EPYC-Milan", "EPYC"],
        ["Haswell", "Broadwell-noTSX", "Skylake-Client-IBRS"],
    ]

    func baseline(_ names: [String]) throws -> (CPUDB, Baseline) {
        let db = try CPUDB.builtin()
        return (db, try db.baseline(try names.map { try db.resolveHost($0) }).get())
    }

    /// `.vmx` lines back to bits: 32 mask characters, bit 31 first; `0` = hidden.
    @Test(arguments: clusters)
    func vmxMasksParseBackToTheDisabledFeatures(names: [String]) throws {
        let (db, b) = try baseline(names)
        for host in b.hosts {
            var hidden = FeatureSet()
            var commented = Set<String>()
            for line in db.vmxMask(disable: host.disable) {
                if line.hasPrefix("#") {
                    let list = line.split(separator: ":", maxSplits: 1)[1].split(separator: "(")[0]
                    for n in list.split(separator: ",") { commented.insert(n.trimmingCharacters(in: .whitespaces)) }
                    continue
                }
                // cpuid.<leaf hex>.<reg> = "xxxx:xxxx:…"
                let parts = line.split(separator: "\"")
                let key = parts[0].trimmingCharacters(in: .whitespaces).dropLast().trimmingCharacters(in: .whitespaces)
                let fields = key.split(separator: ".")
                #expect(fields.count == 3 && fields[0] == "cpuid", "\(line)")
                let leaf = try #require(UInt32(fields[1], radix: 16))
                let register = try #require(CPUIDRegister(rawValue: String(fields[2])))
                let mask = parts[1].replacingOccurrences(of: ":", with: "")
                #expect(mask.count == 32, "\(line)")
                #expect(parts[1].split(separator: ":").count == 8)
                for (i, c) in mask.enumerated() {
                    #expect(c == "0" || c == "-")
                    guard c == "0" else { continue }
                    let location = FeatureLocation.cpuid(leaf: leaf, subleaf: 0, register: register, bit: 31 - i)
                    let f = try #require(db.features.first { $0.location == location }, "no feature at \(location)")
                    hidden.insert(f.index)
                }
            }
            let expressible = host.disable.subtracting(try db.featureSet(commented))
            #expect(db.names(hidden) == db.names(expressible), "\(host.cpu.name)")
            #expect(commented.isSubset(of: Set(db.names(host.disable))))
        }
    }

    @Test(arguments: clusters)
    func xlMasksParseBackToTheDisabledFeatures(names: [String]) throws {
        let (db, b) = try baseline(names)
        // Xen's names, back to features.
        var byXenName: [String: Int] = [:]
        for f in db.features { for n in f.aliases[.xen] ?? [] { byXenName[n] = f.index } }
        for host in b.hosts {
            let lines = db.xlMask(disable: host.disable)
            let line = try #require(lines.first)
            #expect(line.hasPrefix("cpuid=\"host"))
            let body = line.dropFirst("cpuid=\"".count).dropLast()
            var hidden = FeatureSet()
            for item in body.split(separator: ",").dropFirst() {
                let kv = item.split(separator: "=")
                #expect(kv.count == 2 && kv[1] == "0", "\(item)")
                hidden.insert(try #require(byXenName[String(kv[0])], "\(kv[0])"))
            }
            let unnamed = lines.count > 1 ? try db.featureSet(lines[1].split(separator: ":")[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) : FeatureSet()
            #expect(db.names(hidden.union(unnamed)) == db.names(host.disable), "\(host.cpu.name)")
        }
    }

    /// The libvirt XML is read back by a real XML parser (and by migplan's own libvirt reader).
    @Test(arguments: clusters)
    func libvirtXMLParsesBackToTheBaseline(names: [String]) throws {
        let (db, b) = try baseline(names)
        let xml = db.masks(for: b, format: .libvirt)
        let doc = try XMLDocument(xmlString: xml, options: [])
        let root = try #require(doc.rootElement())
        #expect(root.name == "cpu")
        #expect(root.attribute(forName: "mode")?.stringValue == "custom")
        #expect(root.attribute(forName: "match")?.stringValue == "exact")
        let model = try db.model(named: try #require(root.elements(forName: "model").first?.stringValue))
        var set = model.features
        for f in root.elements(forName: "feature") {
            let i = try #require(db.featureIndex(named: f.attribute(forName: "name")!.stringValue!))
            switch f.attribute(forName: "policy")?.stringValue {
            case "require": set.insert(i)
            case "disable": set.remove(i)
            default: Issue.record("unexpected policy")
            }
        }
        #expect(db.names(set) == db.names(b.features))
        #expect(root.elements(forName: "vendor").first?.stringValue == b.vendor)
        let reread = try db.cpu(fromLibvirtXML: xml, file: "mask.xml")
        #expect(reread.features == b.features)
    }

    @Test(arguments: clusters)
    func qemuCommandLineParsesBackToTheBaseline(names: [String]) throws {
        let (db, b) = try baseline(names)
        let arg = db.masks(for: b, format: .qemu)
        #expect(arg.hasPrefix("-cpu "))
        let items = arg.dropFirst(5).split(separator: ",").map(String.init)
        var set = try db.model(named: items[0]).features
        #expect(items.last == "enforce")
        for item in items.dropFirst().dropLast() {
            let name = String(item.dropFirst())
            let i = try #require(db.featureIndex(named: name), "QEMU name \(name) must resolve")
            if item.hasPrefix("+") { set.insert(i) } else if item.hasPrefix("-") { set.remove(i) } else { Issue.record("\(item)") }
        }
        #expect(db.names(set) == db.names(b.features))
    }

    @Test func issueExampleNehalemWestmereSandyBridge() throws {
        let (db, b) = try baseline(["Nehalem", "Westmere", "SandyBridge"])
        #expect(b.model?.name == "Nehalem")
        #expect(b.extra.isEmpty)
        let disable = Dictionary(uniqueKeysWithValues: b.hosts.map { ($0.cpu.name, db.names($0.disable)) })
        #expect(disable["Nehalem"] == [])
        #expect(disable["Westmere"] == ["aes"])
        #expect(disable["SandyBridge"] == ["aes", "avx", "pclmuldq", "rdtscp", "tsc-deadline", "x2apic", "xsave"])
        // aes is CPUID.1:ECX[25] → the 7th character ('----:--0-:…').
        #expect(db.vmxMask(disable: try db.featureSet(["aes"])) == ["cpuid.1.ecx = \"----:--0-:----:----:----:----:----:----\""])
        // rdtscp lives in leaf 0x80000001 EDX bit 27.
        #expect(db.vmxMask(disable: try db.featureSet(["rdtscp"])) == ["cpuid.80000001.edx = \"----:0---:----:----:----:----:----:----\""])
        // Sub-leaf 1 of leaf 7 has no .vmx syntax: said, not silently dropped.
        let sub = db.vmxMask(disable: try db.featureSet(["avx512-bf16"]))
        #expect(sub.count == 1 && sub[0].hasPrefix("# no .vmx cpuid syntax for: avx512-bf16"))
    }
}
