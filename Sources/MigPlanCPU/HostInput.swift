import Foundation

extension CPUDB {
    /// Keys a host descriptor may have. `brand`, `sockets`, `cpuModel`, `microarchitecture`,
    /// `added`, `removed` and `source` are what `migplan probe --json` prints besides the CPU
    /// itself, so its output reads back; they are checked, not used.
    static let descriptorKeys = ["name", "vendor", "family", "model", "stepping", "features", "add", "remove",
                                 "brand", "sockets", "cpuModel", "microarchitecture", "added", "removed", "source",
                                 "notes", "otherCPUs"]

    /// Resolves a HOST argument: a cpudb model name, else a file whose content decides its kind.
    public func resolveHost(_ argument: String) throws(MigPlanError) -> CPU {
        if let model = lookupModel(argument) { return CPU(model: model) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            throw .unknownHost(argument, suggestions: suggestions(for: argument, among: modelNames))
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(argument, reason: "is a directory") }
        let text = try readText(argument)
        return try cpu(fromFile: argument, text: text)
    }

    /// Every distinct CPU a HOST argument holds: one for most inputs, several for a dump of a
    /// hybrid or mixed multi-socket machine (the first is the one `resolveHost` uses).
    public func resolveHostCPUs(_ argument: String) throws(MigPlanError) -> [CPU] {
        if lookupModel(argument) == nil, FileManager.default.fileExists(atPath: argument) {
            let text = try readText(argument)
            let trimmed = text.drop { $0.isWhitespace }
            if !trimmed.hasPrefix("<"), CPUIDDump.looksLikeDump(trimmed) {
                let decoded = try decode(dump: try CPUIDDump.parse(text, file: argument))
                return [decoded.hostCPU] + decoded.distinct.dropFirst().map { d in
                    var cpu = d.cpu
                    cpu.notes.insert("\(d.coreType.map { "\($0) cores, " } ?? "")logical CPUs \(d.logicalCPUs.joined(separator: ", "))", at: 0)
                    return cpu
                }
            }
            return [try cpu(fromFile: argument, text: text)]
        }
        return [try resolveHost(argument)]
    }

    /// Reads a CPU from a file's content: libvirt XML, a raw CPUID dump, a copy of /proc/cpuinfo,
    /// or a host descriptor (YAML/JSON).
    public func cpu(fromFile file: String, text: String) throws(MigPlanError) -> CPU {
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.isEmpty {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "empty file; expected a host descriptor (YAML or JSON)")
        }
        if trimmed.hasPrefix("<") {
            return try cpu(fromLibvirtXML: text, file: file)
        }
        if CPUIDDump.looksLikeDump(trimmed) {
            return try decode(dump: try CPUIDDump.parse(text, file: file)).hostCPU
        }
        if ProcCPUInfo.looksLikeCPUInfo(trimmed) {
            return try cpu(fromCPUInfo: text, file: file)
        }
        let node = try InputNode.parse(text, file: file)
        return try cpu(fromDescriptor: node, name: file)
    }

    /// A CPU from a descriptor mapping: `{model: NAME, add: […], remove: […]}` or
    /// `{vendor, family, model, stepping, features: […]}` (the forms the inventory's `cpu:` takes).
    public func cpu(fromDescriptor node: InputNode, name defaultName: String) throws(MigPlanError) -> CPU {
        if case let .scalar(text, _) = node.value {
            guard let model = lookupModel(text) else {
                throw node.error("unknown CPU model '\(MigPlanError.short(text))'" + MigPlanError.didYouMean(suggestions(for: text, among: modelNames)))
            }
            return CPU(model: model)
        }
        // A null value is an absent key (probe --json writes null where it knows nothing).
        let keys = try node.map(allowed: Self.descriptorKeys).filter { !$0.value.isNull }
        let name = try keys["name"]?.string() ?? defaultName
        func featureList(_ key: String) throws(MigPlanError) -> FeatureSet {
            guard let list = keys[key] else { return FeatureSet() }
            var set = FeatureSet()
            for item in try list.list() {
                let text = try item.string()
                guard let i = featureIndex(named: text) else {
                    throw MigPlanError.invalidInput(
                        file: item.file, line: item.line, keyPath: item.path,
                        message: "unknown CPU feature '\(text)'"
                            + MigPlanError.didYouMean(suggestions(for: text, among: features.map(\.name))))
                }
                set.insert(i)
            }
            return set
        }
        if let cpuModel = keys["cpuModel"], !cpuModel.isNull {
            let text = try cpuModel.string()
            guard lookupModel(text) != nil else { throw cpuModel.error("unknown CPU model '\(text)'") }
        }
        for key in ["added", "removed"] { _ = try featureList(key) }
        if let m = keys["microarchitecture"], !m.isNull { _ = try m.string() }
        if let s = keys["source"] { _ = try s.string() }
        if let n = keys["notes"] { _ = try n.strings() }
        for other in try keys["otherCPUs"]?.list() ?? [] { _ = try cpu(fromDescriptor: other, name: defaultName) }
        var brand: String? = nil
        if let b = keys["brand"], !b.isNull { brand = try b.string() }
        var sockets: Int? = nil
        if let s = keys["sockets"] { sockets = try s.int(in: 1...1024) }

        // Form 1: a named model, adjusted.
        if let modelNode = keys["model"], keys["family"] == nil {
            let text = try modelNode.string()
            guard let model = lookupModel(text) else {
                throw modelNode.error("unknown CPU model '\(text)'" + MigPlanError.didYouMean(suggestions(for: text, among: modelNames)))
            }
            if keys["features"] != nil {
                throw node.error("give either model with add/remove, or vendor/family/model/stepping with features")
            }
            var set = model.features
            set.formUnion(try featureList("add"))
            set.subtract(try featureList("remove"))
            var vendor = model.vendor
            if let v = keys["vendor"] {
                let text = try v.string()
                guard let found = self.vendor(named: text) else { throw MigPlanError.unknownVendor(text, location: "\(v.file):\(v.line ?? 0): \(v.path)") }
                if let mv = model.vendor, mv != found.name {
                    throw v.error("vendor \(found.name) contradicts model \(model.name), which is \(mv)")
                }
                vendor = found.name
            }
            return CPU(name: name, vendor: vendor, features: set, model: model, brand: brand, sockets: sockets,
                       origin: "host descriptor \(defaultName) (model \(model.qualifiedName))")
        }

        // Form 2: explicit vendor, signature and features.
        guard let vendorNode = keys["vendor"] else {
            throw node.error("missing 'vendor' (or give 'model: NAME' to start from a cpudb model)")
        }
        let vendorText = try vendorNode.string()
        guard let vendor = self.vendor(named: vendorText) else {
            throw MigPlanError.unknownVendor(vendorText, location: "\(vendorNode.file):\(vendorNode.line ?? 0): \(vendorNode.path)")
        }
        var signature: CPUSignature? = nil
        if let f = keys["family"] {
            guard let m = keys["model"], let s = keys["stepping"] else {
                throw f.error("family needs model and stepping beside it")
            }
            signature = CPUSignature(family: try f.int(in: 0...0x10E), model: try m.int(in: 0...255),
                                     stepping: try s.int(in: 0...15))
        } else if keys["stepping"] != nil {
            throw node.error("stepping needs family and model beside it")
        }
        guard keys["features"] != nil else { throw node.error("missing 'features' (a list of feature names)") }
        var set = try featureList("features")
        set.formUnion(try featureList("add"))
        set.subtract(try featureList("remove"))
        return CPU(name: name, vendor: vendor.name, signature: signature, features: set,
                   model: decode(vendor: vendor.name, signature: signature, features: set, kind: .host)?.model,
                   brand: brand, sockets: sockets, origin: "host descriptor \(defaultName)")
    }
}

/// A file's text as UTF-8; errors name the file.
public func readText(_ path: String) throws(MigPlanError) -> String {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) }
    catch { throw .unreadableFile(path, reason: error.localizedDescription) }
    guard let text = String(data: data, encoding: .utf8) else {
        throw .invalidInput(file: path, line: nil, keyPath: nil, message: "not UTF-8 text")
    }
    return text
}
