import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A `<cpu>` element as libvirt writes it: model, vendor and features with policies.
public struct LibvirtCPUDefinition: Sendable, Hashable {
    public var mode: String?
    public var model: String?
    public var vendor: String?
    public var signature: CPUSignature?
    /// (name, policy) in document order; policy nil for host CPUs (`<feature name=…/>`).
    public var features: [(name: String, policy: String?)]

    public static func == (a: Self, b: Self) -> Bool {
        a.mode == b.mode && a.model == b.model && a.vendor == b.vendor && a.signature == b.signature
            && a.features.map(\.name) == b.features.map(\.name) && a.features.map(\.policy) == b.features.map(\.policy)
    }
    public func hash(into h: inout Hasher) { h.combine(model); h.combine(vendor) }
}

extension CPUDB {
    /// Parses libvirt XML that describes a CPU: a `<cpu>` (domain or baseline), `virsh
    /// capabilities` (`<host><cpu>`), `virsh domcapabilities` (the host-model mode) or libvirt's
    /// raw `<cpudata>`.
    public func cpu(fromLibvirtXML text: String, file: String) throws(MigPlanError) -> CPU {
        // libxml2 behind XMLDocument recovers from broken XML; check well-formedness strictly first.
        let checker = XMLParser(data: Data(text.utf8))
        let balance = ElementBalance()
        checker.delegate = balance
        let parsed = checker.parse()
        if !parsed || balance.depth != 0 || balance.elements == 0 {
            let reason = !parsed
                ? checker.parserError.map { ($0 as NSError).localizedDescription } ?? "parse error"
                : balance.elements == 0 ? "no element" : "<\(balance.open.last ?? "?")> is never closed"
            throw .invalidInput(file: file, line: checker.lineNumber > 0 ? checker.lineNumber : nil, keyPath: nil,
                                message: "not well-formed XML (\(reason))")
        }
        let document: XMLDocument
        do { document = try XMLDocument(xmlString: text, options: []) }
        catch {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "not well-formed XML: \(error.localizedDescription)")
        }
        guard let root = document.rootElement() else {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "no root element")
        }
        switch root.name {
        case "cpudata":
            return try cpu(fromRaw: try Self.rawCPUID(fromCPUData: root, file: file), name: file,
                           origin: "libvirt cpudata \(file)")
        case "cpu":
            return try cpu(fromLibvirtCPU: root, file: file, path: "cpu")
        case "capabilities":
            guard let host = root.elements(forName: "host").first, let element = host.elements(forName: "cpu").first else {
                throw .invalidInput(file: file, line: nil, keyPath: "capabilities", message: "no <host><cpu> element")
            }
            var cpu = try cpu(fromLibvirtCPU: element, file: file, path: "capabilities/host/cpu")
            cpu.sockets = Self.socketCount(host: host, cpu: element)
            return cpu
        case "qemu-migration":
            // A migration cookie: the guest CPU it carries, else the domain's.
            if let element = root.elements(forName: "cpu").first {
                return try cpu(fromLibvirtCPU: element, file: file, path: "qemu-migration/cpu")
            }
            guard let element = root.elements(forName: "domain").first?.elements(forName: "cpu").first else {
                throw .invalidInput(file: file, line: nil, keyPath: "qemu-migration", message: "no <cpu> element")
            }
            return try cpu(fromLibvirtCPU: element, file: file, path: "qemu-migration/domain/cpu")
        case "domainCapabilities":
            let modes = root.elements(forName: "cpu").first?.elements(forName: "mode") ?? []
            guard let hostModel = modes.first(where: { $0.attribute(forName: "name")?.stringValue == "host-model" }) else {
                throw .invalidInput(file: file, line: nil, keyPath: "domainCapabilities/cpu",
                                    message: "no <mode name='host-model'> element")
            }
            return try cpu(fromLibvirtCPU: hostModel, file: file, path: "domainCapabilities/cpu/mode[host-model]")
        case "domain":
            guard let element = root.elements(forName: "cpu").first else {
                throw .invalidInput(file: file, line: nil, keyPath: "domain", message: "no <cpu> element")
            }
            return try cpu(fromLibvirtCPU: element, file: file, path: "domain/cpu")
        default:
            throw .invalidInput(file: file, line: nil, keyPath: root.name ?? "",
                                message: "expected libvirt <cpu>, <capabilities>, <domainCapabilities>, <domain>, <qemu-migration> or <cpudata>")
        }
    }

    /// Reads the parts of a `<cpu>`-like element.
    public static func libvirtDefinition(_ element: XMLElement) -> LibvirtCPUDefinition {
        func text(_ name: String) -> String? {
            element.elements(forName: name).first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var signature: CPUSignature? = nil
        if let s = element.elements(forName: "signature").first,
           let f = s.attribute(forName: "family")?.stringValue.flatMap({ Int($0) }),
           let m = s.attribute(forName: "model")?.stringValue.flatMap({ Int($0) }),
           let st = s.attribute(forName: "stepping")?.stringValue.flatMap({ Int($0) }) {
            signature = CPUSignature(family: f, model: m, stepping: st)
        }
        let features = element.elements(forName: "feature").map {
            (name: $0.attribute(forName: "name")?.stringValue ?? "", policy: $0.attribute(forName: "policy")?.stringValue)
        }
        return LibvirtCPUDefinition(mode: element.attribute(forName: "mode")?.stringValue, model: text("model"),
                                    vendor: text("vendor"), signature: signature, features: features)
    }

    func cpu(fromLibvirtCPU element: XMLElement, file: String, path: String) throws(MigPlanError) -> CPU {
        let def = Self.libvirtDefinition(element)
        if def.mode == "host-passthrough" || def.mode == "maximum" {
            throw .invalidInput(file: file, line: nil, keyPath: path,
                                message: "a \(def.mode!) CPU has no fixed feature set; give the host's capabilities or a custom CPU")
        }
        if def.mode == "host-model" && element.name == "cpu" {
            throw .invalidInput(file: file, line: nil, keyPath: path,
                                message: "a host-model guest CPU becomes the host's own model when the guest starts; give that host's `virsh domcapabilities` (or the running domain's XML, which names the model)")
        }
        guard let modelName = def.model, !modelName.isEmpty else {
            throw .invalidInput(file: file, line: nil, keyPath: path, message: "no <model> element")
        }
        guard let model = lookupModel(modelName) else {
            throw .invalidInput(file: file, line: nil, keyPath: "\(path)/model",
                                message: "unknown CPU model '\(modelName)'" + MigPlanError.didYouMean(suggestions(for: modelName, among: self.modelNames)))
        }
        var set = model.features
        for (i, f) in def.features.enumerated() {
            let feature = try self.feature(named: f.name, location: "\(file): \(path)/feature[\(i + 1)]").index
            switch f.policy {
            case nil, "require", "force", "optional": set.insert(feature)
            case "disable", "forbid": set.remove(feature)
            case let other?:
                throw .invalidInput(file: file, line: nil, keyPath: "\(path)/feature[\(i + 1)]",
                                    message: "unknown feature policy '\(other)'; expected require, force, optional, disable or forbid")
            }
        }
        var vendor = model.vendor
        if let v = def.vendor {
            guard let found = self.vendor(named: v) else { throw .unknownVendor(v, location: "\(file): \(path)/vendor") }
            vendor = found.name
        }
        return CPU(name: file, vendor: vendor, signature: def.signature, features: set, model: model,
                   origin: "libvirt XML \(file) (\(path))")
    }

    /// Sockets of a `virsh capabilities` host: distinct `socket_id`s of the NUMA cells' CPUs,
    /// else `<topology sockets=…>` (which libvirt gives per NUMA node).
    static func socketCount(host: XMLElement, cpu: XMLElement) -> Int? {
        var ids = Set<String>()
        for cell in host.elements(forName: "topology").first?.elements(forName: "cells").first?.elements(forName: "cell") ?? [] {
            for c in cell.elements(forName: "cpus").first?.elements(forName: "cpu") ?? [] {
                if let id = c.attribute(forName: "socket_id")?.stringValue { ids.insert(id) }
            }
        }
        if !ids.isEmpty { return ids.count }
        return cpu.elements(forName: "topology").first?.attribute(forName: "sockets")?.stringValue.flatMap { Int($0) }
    }

    static func rawCPUID(fromCPUData root: XMLElement, file: String) throws(MigPlanError) -> RawCPUID {
        var raw = RawCPUID()
        func hex(_ e: XMLElement, _ name: String, _ index: Int, _ kind: String) throws(MigPlanError) -> UInt32 {
            guard let text = e.attribute(forName: name)?.stringValue, let v = parseHex(text) else {
                throw .invalidInput(file: file, line: nil, keyPath: "cpudata/\(kind)[\(index + 1)]/@\(name)",
                                    message: "expected a hexadecimal number")
            }
            return v
        }
        for (i, e) in root.elements(forName: "cpuid").enumerated() {
            let leaf = try hex(e, "eax_in", i, "cpuid")
            let subleaf = e.attribute(forName: "ecx_in") == nil ? 0 : try hex(e, "ecx_in", i, "cpuid")
            let r = RawCPUID.Registers(eax: try hex(e, "eax", i, "cpuid"), ebx: try hex(e, "ebx", i, "cpuid"),
                                       ecx: try hex(e, "ecx", i, "cpuid"), edx: try hex(e, "edx", i, "cpuid"))
            // libvirt ORs duplicate leaves together.
            if let old = raw[leaf, subleaf] {
                raw[leaf, subleaf] = .init(eax: old.eax | r.eax, ebx: old.ebx | r.ebx, ecx: old.ecx | r.ecx, edx: old.edx | r.edx)
            } else {
                raw[leaf, subleaf] = r
            }
        }
        for (i, e) in root.elements(forName: "msr").enumerated() {
            let index = try hex(e, "index", i, "msr")
            raw.msrs[index] = UInt64(try hex(e, "edx", i, "msr")) << 32 | UInt64(try hex(e, "eax", i, "msr"))
        }
        return raw
    }
}

/// Counts elements as a SAX parser meets them: XMLParser reports a document that ends inside an
/// open element as parsed.
private final class ElementBalance: NSObject, XMLParserDelegate {
    var depth = 0
    var elements = 0
    var open: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        elements += 1
        open.append(name)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        _ = open.popLast()
    }
}
