/// The JSON documents of the CLI (shared/spec/cli.md), as values embedders can encode too.

public struct CheckDocument: Codable, Sendable, Hashable {
    public var source: String
    public var destination: String
    public var compatible: Bool
    public var verdict: CPUVerdict
    public var missing: [String]
    /// Features SRC exposes that DST's data cannot tell about (not proven, so not compatible).
    public var unverified: [String]
    public var extra: [String]
    public var ignored: [String]
    public var reasons: [Reason]
    public var sourceCPU: CPUSummary
    public var destinationCPU: CPUSummary
}

/// How a CPU was understood: vendor, signature and its class, and the model it came from.
public struct CPUSummary: Codable, Sendable, Hashable {
    public var name: String
    public var vendor: String?
    public var family: Int?
    public var model: Int?
    public var stepping: Int?
    public var microarchitecture: String?
    public var cpuModel: String?
    public var origin: String
    public var featureCount: Int
    public var notes: [String]
}

public struct BaselineDocument: Codable, Sendable, Hashable {
    public struct Host: Codable, Sendable, Hashable {
        public var name: String
        public var disable: [String]
    }
    public struct LibvirtModel: Codable, Sendable, Hashable {
        public var model: String
        public var require: [String]
        public var disable: [String]
    }
    public var vendor: String?
    /// `null` when no model fits inside the common CPU.
    public var model: String?
    public var features: [String]
    public var extra: [String]
    /// Left out because some host's data cannot tell whether it has them.
    public var unknown: [String]
    public var libvirt: LibvirtModel?
    public var evcMode: String?
    public var level: String?
    public var migratable: Bool
    public var hosts: [Host]
    public var masks: [String: String]

    enum CodingKeys: String, CodingKey { case vendor, model, features, extra, unknown, libvirt, evcMode, level, migratable, hosts, masks }

    /// Every key of the spec is written, `null` where unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vendor, forKey: .vendor)
        try c.encode(model, forKey: .model)
        try c.encode(features, forKey: .features)
        try c.encode(extra, forKey: .extra)
        try c.encode(unknown, forKey: .unknown)
        try c.encode(libvirt, forKey: .libvirt)
        try c.encode(evcMode, forKey: .evcMode)
        try c.encode(level, forKey: .level)
        try c.encode(migratable, forKey: .migratable)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(masks, forKey: .masks)
    }
}

public struct VendorMismatchDocument: Codable, Sendable, Hashable {
    public var error: String
    public var groups: [String: [String]]
    public init(error: String, groups: [String: [String]]) {
        self.error = error
        self.groups = groups
    }
}

public struct ModelDocument: Codable, Sendable, Hashable {
    public struct Signature: Codable, Sendable, Hashable {
        public var family: Int
        public var model: Int
        public var stepping: String?
    }
    public var name: String
    public var version: Int
    public var kind: CPUModel.Kind
    public var vendor: String?
    public var title: String?
    public var signatures: [Signature]
    public var features: [String]
    public var fingerprint: String
    public var source: String
}

public struct FeatureDocument: Codable, Sendable, Hashable {
    public var name: String
    public var aliases: [String: [String]]
    public var migratable: Bool
    public var leaf: String?
    public var subleaf: UInt32?
    public var register: String?
    public var msr: String?
    public var bit: Int
}

extension CPUDB {
    public func summary(_ cpu: CPU) -> CPUSummary {
        CPUSummary(name: cpu.name, vendor: cpu.vendor, family: cpu.signature?.family,
                   model: cpu.signature?.model, stepping: cpu.signature?.stepping,
                   microarchitecture: cpu.signature.flatMap { microarchitecture(vendor: cpu.vendor, signature: $0)?.name },
                   cpuModel: cpu.model?.name, origin: cpu.origin, featureCount: cpu.features.count, notes: cpu.notes)
    }

    public func document(_ c: CPUComparison) -> CheckDocument {
        CheckDocument(source: c.source.name, destination: c.destination.name, compatible: c.compatible,
                      verdict: c.verdict, missing: c.missing, unverified: c.unverified, extra: c.extra, ignored: c.ignored,
                      reasons: c.reasons, sourceCPU: summary(c.source), destinationCPU: summary(c.destination))
    }

    public func document(_ b: Baseline) -> BaselineDocument {
        BaselineDocument(
            vendor: b.vendor, model: b.model?.name, features: names(b.features), extra: names(b.extra),
            unknown: names(b.unknown),
            libvirt: b.libvirt.map {
                .init(model: $0.model.name, require: $0.added.map { features[$0].name },
                      disable: $0.removed.map { features[$0].name })
            },
            evcMode: b.evcMode?.name, level: b.level?.name, migratable: b.migratable,
            hosts: b.hosts.map { .init(name: $0.cpu.name, disable: names($0.disable)) },
            masks: Dictionary(uniqueKeysWithValues: MaskFormat.allCases.map { ($0.rawValue, masks(for: b, format: $0)) }))
    }

    public func document(_ m: CPUModel) -> ModelDocument {
        ModelDocument(name: m.name, version: m.version, kind: m.kind, vendor: m.vendor, title: m.title,
                      signatures: m.signatures.map {
                          .init(family: $0.family, model: $0.model,
                                stepping: $0.steppings.map { "\($0.lowerBound)-\($0.upperBound)" })
                      },
                      features: names(m.features), fingerprint: m.fingerprint, source: m.source)
    }

    public func document(_ f: CPUFeature) -> FeatureDocument {
        var d = FeatureDocument(name: f.name, aliases: [:], migratable: f.migratable, bit: 0)
        for (k, v) in f.aliases { d.aliases[k.rawValue] = v }
        switch f.location {
        case let .cpuid(leaf, subleaf, register, bit):
            d.leaf = "0x" + String(leaf, radix: 16)
            d.subleaf = subleaf
            d.register = register.rawValue
            d.bit = bit
        case let .msr(index, bit):
            d.msr = "0x" + String(index, radix: 16)
            d.bit = bit
        }
        return d
    }
}

/// `migplan probe --json`: the spec's keys, and a valid host descriptor file as it stands.
public struct ProbeDocument: Codable, Sendable, Hashable {
    public var name: String?
    /// nil only for vendor-neutral input (a level such as x86-64-v2).
    public var vendor: String?
    /// Display family, model and stepping; nil where the input carries no signature (a named
    /// model, libvirt XML without `<signature>`).
    public var family: Int?
    public var model: Int?
    public var stepping: Int?
    public var brand: String?
    public var cpuModel: String?
    public var microarchitecture: String?
    /// Features beyond `cpuModel`, and features of `cpuModel` this CPU lacks.
    public var added: [String]
    public var removed: [String]
    public var features: [String]
    public var sockets: Int?
    public var source: String
    /// How the input was read: errata applied, which CPU of a dump was used…
    public var notes: [String]
    /// A dump's other distinct CPUs (other core types, or sockets that differ), each as its own
    /// descriptor; this document is the one a HOST argument stands for.
    public var otherCPUs: [ProbeDocument]?

    enum CodingKeys: String, CodingKey {
        case name, vendor, family, model, stepping, brand, cpuModel, microarchitecture, added, removed, features, sockets, source,
             notes, otherCPUs
    }

    /// Every key of the spec is written, `null` where unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(vendor, forKey: .vendor)
        try c.encode(family, forKey: .family)
        try c.encode(model, forKey: .model)
        try c.encode(stepping, forKey: .stepping)
        try c.encode(brand, forKey: .brand)
        try c.encode(cpuModel, forKey: .cpuModel)
        try c.encode(microarchitecture, forKey: .microarchitecture)
        try c.encode(added, forKey: .added)
        try c.encode(removed, forKey: .removed)
        try c.encode(features, forKey: .features)
        try c.encode(sockets, forKey: .sockets)
        try c.encode(source, forKey: .source)
        try c.encode(notes, forKey: .notes)
        try c.encodeIfPresent(otherCPUs, forKey: .otherCPUs)
    }
}

extension CPUDB {
    public func probeDocument(_ cpu: CPU) -> ProbeDocument {
        let sig = cpu.signature
        let modelFit = cpu.model.map { self.fit(cpu.features, to: $0, kind: .host) }
        return ProbeDocument(
            name: cpu.name, vendor: cpu.vendor, family: sig?.family, model: sig?.model, stepping: sig?.stepping,
            brand: cpu.brand, cpuModel: cpu.model?.name,
            microarchitecture: sig.flatMap { microarchitecture(vendor: cpu.vendor, signature: $0)?.name },
            added: (modelFit?.added ?? []).map { features[$0].name }.sorted(),
            removed: (modelFit?.removed ?? []).map { features[$0].name }.sorted(),
            features: names(cpu.features), sockets: cpu.sockets, source: cpu.origin, notes: cpu.notes,
            otherCPUs: nil)
    }
}
