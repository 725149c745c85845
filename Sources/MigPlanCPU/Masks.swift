/// Hypervisor syntaxes in which migplan writes a baseline.
public enum MaskFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// VMware `.vmx` per-VM CPUID masks: `cpuid.<leaf>.<reg> = "----:…"`, one line per register.
    case vmx
    /// Xen `xl.cfg`: `cpuid="host,<name>=0,…"`.
    case xl
    /// libvirt domain XML `<cpu mode='custom' match='exact'>`.
    case libvirt
    /// QEMU command line `-cpu Model,+f,-f`.
    case qemu
}

/// A register of one CPUID leaf/subleaf.
public struct CPUIDWord: Sendable, Hashable, Comparable {
    public var leaf: UInt32
    public var subleaf: UInt32
    public var register: CPUIDRegister

    public static func < (a: CPUIDWord, b: CPUIDWord) -> Bool {
        (a.leaf, a.subleaf, a.register.order) < (b.leaf, b.subleaf, b.register.order)
    }
}

extension CPUIDRegister {
    var order: Int { Self.allCases.firstIndex(of: self)! }
}

extension CPUDB {
    /// Splits a feature set into CPUID words (bit numbers per register) and MSR features.
    public func cpuidWords(_ set: FeatureSet) -> (words: [CPUIDWord: [Int]], msr: [CPUFeature]) {
        var words: [CPUIDWord: [Int]] = [:]
        var msr: [CPUFeature] = []
        for i in set.indices {
            switch features[i].location {
            case let .cpuid(leaf, subleaf, register, bit):
                words[CPUIDWord(leaf: leaf, subleaf: subleaf, register: register), default: []].append(bit)
            case .msr:
                msr.append(features[i])
            }
        }
        return (words, msr)
    }

    /// `.vmx` lines that hide `disable` from a VM: each register string is 32 mask characters,
    /// bit 31 first, in VMware's documented `xxxx:xxxx:…` groups; `0` hides a bit, `-` keeps the
    /// default. Sub-leaves other than 0 and MSR bits have no `.vmx` syntax and are listed as
    /// comments.
    public func vmxMask(disable: FeatureSet) -> [String] {
        let (words, msr) = cpuidWords(disable)
        var lines: [String] = []
        var unexpressible: [String] = []
        for word in words.keys.sorted() {
            let bits = words[word]!
            guard word.subleaf == 0 else {
                unexpressible += bits.map { bit in featureName(at: .cpuid(leaf: word.leaf, subleaf: word.subleaf, register: word.register, bit: bit)) }
                continue
            }
            var chars = [Character](repeating: "-", count: 32)
            for bit in bits { chars[31 - bit] = "0" }
            let groups = stride(from: 0, to: 32, by: 4).map { String(chars[$0..<$0 + 4]) }
            lines.append("cpuid.\(String(word.leaf, radix: 16)).\(word.register.rawValue) = \"\(groups.joined(separator: ":"))\"")
        }
        unexpressible += msr.map(\.name)
        if !unexpressible.isEmpty {
            lines.append("# no .vmx cpuid syntax for: \(unexpressible.sorted().joined(separator: ", ")) (sub-leaf or MSR bits; use an EVC mode)")
        }
        return lines
    }

    /// An `xl.cfg` line that hides `disable`, with Xen's own feature names; features Xen has no
    /// name for are listed in a comment.
    public func xlMask(disable: FeatureSet) -> [String] {
        var names: [String] = []
        var unnamed: [String] = []
        for i in disable.indices {
            if let xen = features[i].aliases[.xen]?.first { names.append("\(xen)=0") } else { unnamed.append(features[i].name) }
        }
        var lines = ["cpuid=\"" + (["host"] + names.sorted()).joined(separator: ",") + "\""]
        if !unnamed.isEmpty {
            lines.append("# xl has no name for: \(unnamed.sorted().joined(separator: ", "))")
        }
        return lines
    }

    /// libvirt domain XML for a guest CPU: the model, vendor and feature policies.
    public func libvirtCPU(_ fit: ModelFit, vendor: String?) -> String {
        var lines = ["<cpu mode='custom' match='exact' check='full'>",
                     "  <model fallback='forbid'>\(xmlEscape(fit.model.name))</model>"]
        // libvirt knows Intel, AMD and Hygon; other vendors are left to the model.
        if let vendor, ["Intel", "AMD", "Hygon"].contains(vendor) { lines.append("  <vendor>\(vendor)</vendor>") }
        for i in fit.added { lines.append("  <feature policy='require' name='\(xmlEscape(features[i].name))'/>") }
        for i in fit.removed { lines.append("  <feature policy='disable' name='\(xmlEscape(features[i].name))'/>") }
        lines.append("</cpu>")
        return lines.joined(separator: "\n")
    }

    /// A QEMU `-cpu` argument with QEMU's feature names; `enforce` makes QEMU refuse to start
    /// on a host that cannot provide it.
    public func qemuCPU(_ fit: ModelFit) -> String {
        let plus = fit.added.map { "+" + features[$0].name(for: .qemu) }
        let minus = fit.removed.map { "-" + features[$0].name(for: .qemu) }
        return "-cpu " + ([fit.model.name] + plus + minus + ["enforce"]).joined(separator: ",")
    }

    /// The baseline in one format: per-host masks for `.vmx` and `xl` (each host hides what it
    /// has beyond the baseline), one guest CPU definition for libvirt and QEMU.
    public func masks(for baseline: Baseline, format: MaskFormat) -> String {
        switch format {
        case .vmx, .xl:
            return baseline.hosts.map { host in
                let body = format == .vmx ? vmxMask(disable: host.disable) : xlMask(disable: host.disable)
                return (["# \(host.cpu.name): hide \(host.disable.count) feature\(host.disable.count == 1 ? "" : "s")"] + body)
                    .joined(separator: "\n")
            }.joined(separator: "\n")
        case .libvirt:
            guard let fit = baseline.libvirt else { return "<!-- no libvirt model fits this baseline -->" }
            return libvirtCPU(fit, vendor: baseline.vendor)
        case .qemu:
            guard let fit = baseline.libvirt else { return "# no QEMU model fits this baseline" }
            return qemuCPU(fit)
        }
    }

    private func featureName(at location: FeatureLocation) -> String {
        features.first { $0.location == location }?.name ?? location.description
    }
}

func xmlEscape(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "'": out += "&apos;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
