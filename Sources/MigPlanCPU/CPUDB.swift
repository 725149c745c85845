import Foundation
import Logging

/// The CPU knowledge migplan works from: feature catalogue, vendors, named models, stepping
/// classes and errata. It is data (`cpudb/` at the top of the repository, embedded into every
/// build); this type only loads and indexes it.
public struct CPUDB: Sendable {
    public let features: [CPUFeature]
    public let vendors: [Vendor]
    /// Every model in load order: libvirt models in cpu_map order, then EVC modes, then levels.
    public let models: [CPUModel]
    public let microarchitectures: [Microarchitecture]
    public let errata: [Erratum]
    /// Every feature that a migratable guest may see.
    public let migratableFeatures: FeatureSet

    private let featureIndex: [String: Int]
    private let featureIndexNormalized: [String: Int]
    private let modelIndex: [String: [Int]]
    private let vendorIndex: [String: Int]

    public func feature(at index: Int) -> CPUFeature { features[index] }

    // MARK: - Lookup

    /// The catalogue index of a feature by its canonical name or any alias (any case, with
    /// `_`, `.` and `-` alike).
    public func featureIndex(named name: String) -> Int? {
        featureIndex[name] ?? featureIndexNormalized[normalizedName(name)]
    }

    public func feature(named name: String, location: String? = nil) throws(MigPlanError) -> CPUFeature {
        guard let i = featureIndex(named: name) else {
            throw .unknownFeature(name, location: location,
                                  suggestions: suggestions(for: name, among: features.map(\.name)))
        }
        return features[i]
    }

    /// A feature set from names (aliases accepted).
    public func featureSet(_ names: some Sequence<String>, location: String? = nil) throws(MigPlanError) -> FeatureSet {
        var set = FeatureSet()
        for name in names { set.insert(try feature(named: name, location: location).index) }
        return set
    }

    /// Canonical names of a set, sorted.
    public func names(_ set: FeatureSet) -> [String] {
        set.indices.map { features[$0].name }.sorted()
    }

    /// A model by name: exact, then ignoring case; `NAME@VERSION` picks a version, otherwise the
    /// newest version.
    public func model(named query: String) throws(MigPlanError) -> CPUModel {
        if let m = lookupModel(query) { return m }
        throw .unknownModel(query, suggestions: suggestions(for: query, among: modelNames))
    }

    public func lookupModel(_ query: String) -> CPUModel? {
        var name = query
        var version: Int? = nil
        if let at = query.lastIndex(of: "@"), let v = Int(query[query.index(after: at)...]) {
            name = String(query[..<at])
            version = v
        }
        guard let candidates = modelIndex[name] ?? modelIndex[normalizedName(name)] else { return nil }
        let matching = candidates.map { models[$0] }.filter { version == nil || $0.version == version }
        return matching.max { $0.version < $1.version }
    }

    public var modelNames: [String] {
        var seen = Set<String>()
        return models.map(\.name).filter { seen.insert($0).inserted }
    }

    /// The cpudb vendor for a cpudb vendor name or a CPUID vendor string (`GenuineIntel`).
    public func vendor(named name: String) -> Vendor? {
        vendorIndex[name].map { vendors[$0] } ?? vendorIndex[name.lowercased()].map { vendors[$0] }
    }

    /// The named class of a signature (`Cascade Lake`), most specific first.
    public func microarchitecture(vendor: String?, signature: CPUSignature) -> Microarchitecture? {
        let matching = microarchitectures.filter { $0.vendor == vendor && $0.range.matches(signature) }
        return matching.first { $0.range.steppings != nil } ?? matching.first
    }

    /// Features removed by CPU errata that apply to this CPU (whatever its features).
    public func errataRemovals(vendor: String?, signature: CPUSignature?) -> (FeatureSet, [Erratum]) {
        var removed = FeatureSet()
        var applied: [Erratum] = []
        for e in errata where e.kind == "cpu" && e.applies(vendor: vendor, signature: signature, features: e.when) {
            removed.formUnion(e.remove)
            applied.append(e)
        }
        return (removed, applied)
    }

    /// Applies every erratum that fits to features read from a real CPU's registers; returns the
    /// corrected set and one note per change.
    public func applyErrata(_ features: FeatureSet, vendor: String?, signature: CPUSignature?,
                            kinds: Set<String> = ["cpu", "capture"]) -> (FeatureSet, [String]) {
        var set = features
        var notes: [String] = []
        for e in errata where kinds.contains(e.kind) && e.applies(vendor: vendor, signature: signature, features: set) {
            let dropped = set.intersection(e.remove)
            let added = e.add.subtracting(set)
            guard !dropped.isEmpty || !added.isEmpty else { continue }
            set.subtract(e.remove)
            set.formUnion(e.add)
            var what: [String] = []
            if !dropped.isEmpty { what.append("dropped " + names(dropped).joined(separator: ", ")) }
            if !added.isEmpty { what.append("added " + names(added).joined(separator: ", ")) }
            notes.append("\(e.kind == "cpu" ? "erratum" : "dump artefact") \(e.name): \(what.joined(separator: "; "))")
        }
        return (set, notes)
    }

    // MARK: - Loading

    private static let builtinResult: Result<CPUDB, MigPlanError> = {
        do throws(MigPlanError) { return .success(try CPUDB(files: EmbeddedCPUDB.files)) }
        catch { return .failure(error) }
    }()

    /// The cpudb built into this binary.
    public static func builtin() throws(MigPlanError) -> CPUDB { try builtinResult.get() }

    /// Loads a cpudb directory laid out as the repository's `cpudb/` (to try edited data
    /// without rebuilding).
    public init(directory: URL) throws(MigPlanError) {
        var files: [String: String] = [:]
        let root = directory.standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw .unreadableFile(directory.path, reason: "not a directory")
        }
        for case let url as URL in walker where url.pathExtension == "json" {
            let path = url.standardizedFileURL.path
            let relative = String(path.dropFirst(root.path.count + 1))
            do { files[relative] = try String(contentsOf: url, encoding: .utf8) }
            catch { throw .unreadableFile(path, reason: "\(error.localizedDescription)") }
        }
        try self.init(files: files)
    }

    /// Loads cpudb from file contents keyed by path relative to the cpudb directory.
    public init(files: [String: String]) throws(MigPlanError) {
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws(MigPlanError) -> T {
            guard let text = files[name] else { throw .invalidDatabase(file: name, message: "missing") }
            do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) }
            catch { throw .invalidDatabase(file: name, message: describe(decodingError: error)) }
        }

        // Features.
        let featureFile = try decode(FeatureFile.self, "features.json")
        guard featureFile.features.count <= FeatureSet.capacity else {
            throw .invalidDatabase(file: "features.json",
                                   message: "\(featureFile.features.count) features exceed the \(FeatureSet.capacity) a FeatureSet holds")
        }
        var features: [CPUFeature] = []
        var exact: [String: Int] = [:]
        var loose: [String: Int] = [:]
        var migratable = FeatureSet()
        var locations: [FeatureLocation: String] = [:]
        for (i, f) in featureFile.features.enumerated() {
            let location = try f.location(file: "features.json")
            if let other = locations[location] {
                throw .invalidDatabase(file: "features.json", message: "\(f.name) and \(other) share \(location.description)")
            }
            locations[location] = f.name
            var aliases: [AliasSource: [String]] = [:]
            for (key, names) in f.aliases ?? [:] {
                guard let source = AliasSource(rawValue: key) else {
                    throw .invalidDatabase(file: "features.json", message: "\(f.name): unknown alias source '\(key)'")
                }
                aliases[source] = names
            }
            let feature = CPUFeature(index: i, name: f.name, location: location,
                                     migratable: f.migratable ?? true, aliases: aliases)
            if feature.migratable { migratable.insert(i) }
            guard exact[f.name] == nil else {
                throw .invalidDatabase(file: "features.json", message: "feature \(f.name) listed twice")
            }
            exact[f.name] = i
            features.append(feature)
        }
        // Aliases may not name another feature; a loose spelling shared by two features is dropped
        // from loose matching (the exact names still work).
        var ambiguous = Set<String>()
        for feature in features {
            // Xen's names are for writing xl.cfg only: Xen reuses some libvirt names for other
            // bits (its `ssb-no` is AMD's bit, libvirt's is the Intel MSR bit).
            let spellings = [feature.name] + feature.aliases.filter { $0.key != .xen }.values.flatMap { $0 }
            for spelling in Set(spellings) {
                if spelling != feature.name, let other = exact[spelling], other != feature.index {
                    throw .invalidDatabase(file: "features.json",
                                           message: "alias '\(spelling)' of \(feature.name) is the name of \(features[other].name)")
                }
                let key = normalizedName(spelling)
                if let other = loose[key], other != feature.index { ambiguous.insert(key) }
                loose[key] = feature.index
            }
        }
        for key in ambiguous { loose[key] = nil }
        // Canonical names always win over a loose match.
        for feature in features { loose[normalizedName(feature.name)] = feature.index }
        self.features = features
        self.featureIndex = exact
        self.featureIndexNormalized = loose
        self.migratableFeatures = migratable

        // Vendors.
        let vendorFile = try decode(VendorFile.self, "vendors.json")
        var vendorIndex: [String: Int] = [:]
        for (i, v) in vendorFile.vendors.enumerated() {
            for key in [v.name, v.name.lowercased()] + v.cpuid { vendorIndex[key] = i }
        }
        self.vendors = vendorFile.vendors.map { Vendor(name: $0.name, cpuidStrings: $0.cpuid, description: $0.description ?? "") }
        self.vendorIndex = vendorIndex

        // Models: every models/*.json, libvirt first, then the rest by file name.
        let modelFiles = files.keys.filter { $0.hasPrefix("models/") }.sorted { a, b in
            let ka = a == "models/libvirt.json" ? "" : a, kb = b == "models/libvirt.json" ? "" : b
            return ka < kb
        }
        var models: [CPUModel] = []
        var modelIndex: [String: [Int]] = [:]
        func featureSet(_ names: [String], file: String, model: String) throws(MigPlanError) -> FeatureSet {
            var set = FeatureSet()
            for n in names {
                guard let i = exact[n] else {
                    throw .invalidDatabase(file: file, message: "model \(model): unknown feature '\(n)' (use canonical names)")
                }
                set.insert(i)
            }
            return set
        }
        for file in modelFiles {
            let doc = try decode(ModelFile.self, file)
            guard let kind = CPUModel.Kind(rawValue: doc.family) else {
                throw .invalidDatabase(file: file, message: "unknown model family '\(doc.family)'")
            }
            for m in doc.models {
                if let v = m.vendor, vendorIndex[v] == nil {
                    throw .invalidDatabase(file: file, message: "model \(m.name): unknown vendor '\(v)'")
                }
                var set = FeatureSet()
                if let base = m.base {
                    let parent = modelIndex[base].flatMap { $0.last }.map { models[$0] }
                    guard let parent else {
                        throw .invalidDatabase(file: file, message: "model \(m.name): base '\(base)' is not defined before it")
                    }
                    set = parent.features
                }
                set.formUnion(try featureSet(m.features ?? [], file: file, model: m.name))
                set.formUnion(try featureSet(m.add ?? [], file: file, model: m.name))
                set.subtract(try featureSet(m.remove ?? [], file: file, model: m.name))
                var signatures: [SignatureRange] = []
                for s in m.signatures ?? [] {
                    var range = SignatureRange(family: s.family, model: s.model)
                    if let text = s.stepping {
                        guard let r = SignatureRange.parseSteppings(text) else {
                            throw .invalidDatabase(file: file, message: "model \(m.name): bad stepping range '\(text)'")
                        }
                        range.steppings = r
                    }
                    signatures.append(range)
                }
                let names = set.indices.map { features[$0].name }
                let fingerprint = CPUModel.fingerprint(name: m.name, version: m.version, vendor: m.vendor,
                                                       signatures: signatures, featureNames: names)
                guard fingerprint == m.fingerprint else {
                    throw .invalidDatabase(
                        file: file,
                        message: "model \(m.name)@\(m.version) no longer matches its fingerprint "
                            + "(\(m.fingerprint), now \(fingerprint)): a model never changes meaning; "
                            + "add the new definition as version \(m.version + 1)")
                }
                if let existing = modelIndex[m.name]?.map({ models[$0] }), existing.contains(where: { $0.version == m.version }) {
                    throw .invalidDatabase(file: file, message: "model \(m.name)@\(m.version) defined twice")
                }
                let model = CPUModel(
                    name: m.name, version: m.version, kind: kind, vendor: m.vendor, signatures: signatures,
                    features: set,
                    removedFeatures: try featureSet(m.removedFeatures ?? [], file: file, model: m.name),
                    decodeHost: m.decode?.host ?? (kind == .libvirt),
                    decodeGuest: m.decode?.guest ?? (kind == .libvirt), title: m.title,
                    source: m.source ?? doc.source, fingerprint: fingerprint, order: models.count)
                modelIndex[m.name, default: []].append(models.count)
                let loose = normalizedName(m.name)
                if loose != m.name { modelIndex[loose, default: []].append(models.count) }
                for alias in m.aliases ?? [] { modelIndex[alias, default: []].append(models.count) }
                models.append(model)
            }
        }
        self.models = models
        self.modelIndex = modelIndex

        // Stepping classes and errata.
        if files["microarchitectures.json"] != nil {
            let doc = try decode(MicroarchitectureFile.self, "microarchitectures.json")
            var list: [Microarchitecture] = []
            for u in doc.microarchitectures {
                var range = SignatureRange(family: u.family, model: u.model)
                if let text = u.stepping {
                    guard let r = SignatureRange.parseSteppings(text) else {
                        throw .invalidDatabase(file: "microarchitectures.json", message: "\(u.name): bad stepping range '\(text)'")
                    }
                    range.steppings = r
                }
                list.append(Microarchitecture(vendor: u.vendor, range: range, name: u.name, codename: u.codename))
            }
            self.microarchitectures = list
        } else {
            self.microarchitectures = []
        }
        if files["errata.json"] != nil {
            let doc = try decode(ErrataFile.self, "errata.json")
            var list: [Erratum] = []
            for e in doc.errata {
                var ranges: [SignatureRange] = []
                for s in e.signatures {
                    var r = SignatureRange(family: s.family, model: s.model)
                    if let text = s.stepping { r.steppings = SignatureRange.parseSteppings(text) }
                    ranges.append(r)
                }
                guard e.kind == "cpu" || e.kind == "capture" else {
                    throw .invalidDatabase(file: "errata.json", message: "\(e.name): kind must be cpu or capture")
                }
                list.append(Erratum(name: e.name, kind: e.kind, vendor: e.vendor, signatures: ranges,
                                    when: try featureSet(e.when ?? [], file: "errata.json", model: e.name),
                                    remove: try featureSet(e.remove, file: "errata.json", model: e.name),
                                    add: try featureSet(e.add ?? [], file: "errata.json", model: e.name),
                                    source: e.source))
            }
            self.errata = list
        } else {
            self.errata = []
        }
    }
}

// MARK: - File formats

private struct FeatureFile: Decodable {
    struct Entry: Decodable {
        struct CPUIDBit: Decodable { var leaf: String; var subleaf: UInt32?; var register: CPUIDRegister; var bit: Int }
        struct MSRBit: Decodable { var index: String; var bit: Int }
        var name: String
        var cpuid: CPUIDBit?
        var msr: MSRBit?
        var migratable: Bool?
        var aliases: [String: [String]]?
        var description: String?

        func location(file: String) throws(MigPlanError) -> FeatureLocation {
            if let c = cpuid, msr == nil, let leaf = parseHex(c.leaf), (0..<32).contains(c.bit) {
                return .cpuid(leaf: leaf, subleaf: c.subleaf ?? 0, register: c.register, bit: c.bit)
            }
            if let m = msr, cpuid == nil, let index = parseHex(m.index), (0..<64).contains(m.bit) {
                return .msr(index: index, bit: m.bit)
            }
            throw .invalidDatabase(file: file, message: "feature \(name): needs exactly one of cpuid {leaf, subleaf, register, bit 0-31} or msr {index, bit 0-63}")
        }
    }
    var schema: Int
    var features: [Entry]
}

private struct VendorFile: Decodable {
    struct Entry: Decodable { var name: String; var cpuid: [String]; var description: String? }
    var vendors: [Entry]
}

private struct ModelFile: Decodable {
    struct Signature: Decodable { var family: Int; var model: Int; var stepping: String? }
    struct Decode: Decodable { var host: Bool; var guest: Bool }
    struct Entry: Decodable {
        var name: String
        var version: Int
        var vendor: String?
        var title: String?
        var decode: Decode?
        var signatures: [Signature]?
        var base: String?
        var features: [String]?
        var add: [String]?
        var remove: [String]?
        var removedFeatures: [String]?
        var aliases: [String]?
        var source: String?
        var fingerprint: String
        /// Provenance of hand-transcribed models (EVC): how sure the data is and what was inferred.
        var confidence: String?
        var documented: String?
        var inferred: [String]?
    }
    var schema: Int
    var family: String
    var source: String
    var notes: [String]?
    var models: [Entry]
}

private struct MicroarchitectureFile: Decodable {
    struct Entry: Decodable {
        var vendor: String; var family: Int; var model: Int; var stepping: String?
        var name: String; var codename: String?
    }
    var microarchitectures: [Entry]
}

private struct ErrataFile: Decodable {
    struct Entry: Decodable {
        struct Signature: Decodable { var family: Int; var model: Int; var stepping: String? }
        var name: String; var kind: String; var vendor: String; var signatures: [Signature]
        var when: [String]?; var remove: [String]; var add: [String]?; var source: String
    }
    var errata: [Entry]
}

func parseHex(_ text: String) -> UInt32? {
    let t = text.lowercased()
    return UInt32(t.hasPrefix("0x") ? String(t.dropFirst(2)) : t, radix: 16)
}

/// One line for a JSON decoding error: the key path and what was wrong.
func describe(decodingError error: any Error) -> String {
    guard let e = error as? DecodingError else { return "\(error)" }
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch e {
    case let .keyNotFound(key, ctx): return "\(path(ctx.codingPath + [key])): missing"
    case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)): expected \(type)"
    case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)): expected \(type), found null"
    case let .dataCorrupted(ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}
