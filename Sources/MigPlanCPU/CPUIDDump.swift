/// Raw CPUID dumps of other hosts, in the flavours found in the wild: AIDA64 and InstLatX64
/// (`CPUID 00000007: EAX-EBX-ECX-EDX [SL 00]`), libcpuid's own (`basic_cpuid[7]=…`, as
/// `cpuid_tool --save` writes), and Debian's `cpuid -r` (`0x00000007 0x00: eax=0x…`).
public struct CPUIDDump: Sendable {
    public enum Flavour: String, Sendable, Hashable {
        case aida64, instlatx64, libcpuid, cpuidTool = "cpuid-r"
    }

    /// One logical CPU of the dump.
    public struct LogicalCPU: Sendable, Hashable {
        /// The header that introduced it (`Logical CPU #3`), or `#N` by position.
        public var label: String
        /// Line of the header (or first register line).
        public var line: Int
        public var raw: RawCPUID
    }

    public var file: String
    public var flavour: Flavour
    /// Logical CPUs with register data.
    public var cpus: [LogicalCPU]
    /// Logical CPUs the dump names, with or without data (some AIDA64 dumps list empty ones).
    public var declaredCPUs: Int
    /// Line at which a libcpuid test file's expected-output section starts (not register data).
    public var trailerLine: Int?

    /// Whether a text looks like a CPUID dump (decides the kind of a HOST file).
    public static func looksLikeDump(_ text: Substring) -> Bool {
        for line in text.split(whereSeparator: \.isNewline).prefix(40) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("CPUID ") || t.hasPrefix("basic_cpuid[") || t.hasPrefix("CPU#") && t.contains("AffMask")
                || t.hasPrefix("------[ ") && t.contains("CPU #") || t.hasPrefix("version=") && t.count < 20
                || t.hasPrefix("0x") && t.contains(": eax=0x") || t.hasPrefix("_____") && t.contains("Logical CPU") {
                return true
            }
        }
        return false
    }

    public static func parse(_ text: String, file: String) throws(MigPlanError) -> CPUIDDump {
        var cpus: [LogicalCPU] = []
        var current: LogicalCPU? = nil
        var flavour: Flavour? = nil
        var trailer: Int? = nil
        var headers = 0
        func fail(_ line: Int, _ message: String) -> MigPlanError {
            .invalidInput(file: file, line: line, keyPath: nil, message: message)
        }
        func begin(_ label: String, _ line: Int) {
            headers += 1
            if let c = current, !c.raw.leaves.isEmpty { cpus.append(c) }
            current = LogicalCPU(label: label, line: line, raw: RawCPUID())
        }
        func set(_ leaf: UInt32, _ subleaf: UInt32, _ r: RawCPUID.Registers, _ line: Int) throws(MigPlanError) {
            if current == nil { current = LogicalCPU(label: "#\(cpus.count)", line: line, raw: RawCPUID()) }
            if let old = current!.raw[leaf, subleaf], old != r {
                throw fail(line, "leaf 0x\(hex8(leaf)) sub-leaf \(subleaf) given twice with different values in \(current!.label)")
            }
            current!.raw[leaf, subleaf] = r
        }
        func note(_ f: Flavour, _ line: Int) throws(MigPlanError) {
            if flavour == nil || flavour == .aida64 && f == .instlatx64 { flavour = f; return }
            if flavour == f || flavour == .instlatx64 && f == .aida64 { return }
            throw fail(line, "mixes two dump flavours (\(flavour!.rawValue) and \(f.rawValue)); give one host's dump per file")
        }

        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var sawData = false
        for (i, rawLine) in lines.enumerated() {
            let n = i + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            // libcpuid test files: a line of 80 '-' ends the raw data; the rest is its expected output.
            if line.count == 80 && line.allSatisfy({ $0 == "-" }) {
                trailer = n
                break
            }
            if line.hasPrefix("------[") || line.hasPrefix("CPUID Registers (CPU #") {
                try note(.aida64, n)
                begin(headerLabel(line), n)
            } else if line.hasPrefix("CPUID ") {
                guard let (leaf, explicitSubleaf, regs) = parseAIDA(line) else {
                    // AIDA64's summary lines before the registers: not register data.
                    if !sawData, line.hasPrefix("CPUID Manufacturer") || line.hasPrefix("CPUID CPU Name")
                        || line.hasPrefix("CPUID Revision") || line.hasPrefix("CPUID Max") {
                        continue
                    }
                    throw fail(n, "expected 'CPUID LLLLLLLL: EAX-EBX-ECX-EDX [SL nn]' (hexadecimal), found '\(line.prefix(60))'")
                }
                try note(.aida64, n)
                // Without "[SL nn]", a leaf listed again is its next sub-leaf (as libcpuid reads it).
                let subleaf = explicitSubleaf
                    ?? UInt32(current?.raw.leaves.keys.filter { $0.leaf == leaf }.count ?? 0)
                try set(leaf, subleaf, regs, n)
                sawData = true
            } else if line.hasPrefix("CPU#") && line.contains("AffMask") {
                try note(.instlatx64, n)
                begin(String(line.prefix { $0 != " " }), n)
            } else if let bracket = line.firstIndex(of: "["), line.contains("]="),
                      let (leaf, subleaf) = libcpuidKey(String(line[..<bracket]), line) {
                try note(.libcpuid, n)
                let values = line[line.index(after: line.firstIndex(of: "=")!)...].split(separator: " ")
                let words = values.compactMap { UInt32($0, radix: 16) }
                guard words.count == 4, values.count == 4 else {
                    throw fail(n, "expected four hexadecimal words after '=', found '\(line.prefix(60))'")
                }
                try set(leaf, subleaf, .init(eax: words[0], ebx: words[1], ecx: words[2], edx: words[3]), n)
                sawData = true
            } else if line.hasPrefix("version=") && !sawData {
                try note(.libcpuid, n)
            } else if line.hasPrefix("_") && line.contains("Logical CPU") {
                try note(.libcpuid, n)
                begin(line.trimmingCharacters(in: CharacterSet(charactersIn: "_ ")), n)
            } else if line.hasPrefix("0x") && line.contains("eax=") {
                guard let (leaf, subleaf, regs) = parseCpuidTool(line) else {
                    throw fail(n, "expected '0xLLLLLLLL 0xSS: eax=0x… ebx=0x… ecx=0x… edx=0x…', found '\(line.prefix(60))'")
                }
                try note(.cpuidTool, n)
                try set(leaf, subleaf, regs, n)
                sawData = true
            } else if line == "CPU:" || line.hasPrefix("CPU ") && line.hasSuffix(":") {
                try note(.cpuidTool, n)
                begin(String(line.dropLast()), n)
            } else if line.hasPrefix("#") {
                continue  // comments, as migplan probe --save writes
            } else {
                throw fail(n, "not a CPUID dump line: '\(line.prefix(60))' (expected AIDA64/InstLatX64 'CPUID …', libcpuid 'basic_cpuid[i]=…' or 'cpuid -r' lines)")
            }
        }
        if let c = current, !c.raw.leaves.isEmpty { cpus.append(c) }
        guard let flavour, !cpus.isEmpty else {
            throw MigPlanError.invalidInput(file: file, line: nil, keyPath: nil, message: "no CPUID register lines found")
        }
        for c in cpus where c.raw[0] == nil || c.raw[1] == nil {
            throw MigPlanError.invalidInput(file: file, line: c.line, keyPath: nil,
                                        message: "\(c.label) lacks CPUID leaf \(c.raw[0] == nil ? 0 : 1); the dump is truncated")
        }
        return CPUIDDump(file: file, flavour: flavour, cpus: cpus, declaredCPUs: max(headers, cpus.count), trailerLine: trailer)
    }

    /// `CPUID 00000007: 00000000-219C97A9-0040068C-00000010 [SL 00] [comment]`, also with
    /// spaces and a tab instead of the colon.
    static func parseAIDA(_ line: String) -> (UInt32, UInt32?, RawCPUID.Registers)? {
        let body = line.dropFirst("CPUID ".count)
        let leafText = body.prefix { $0.isHexDigit }
        guard leafText.count == 8, let leaf = UInt32(leafText, radix: 16) else { return nil }
        var rest = body.dropFirst(8)
        if rest.first == ":" { rest = rest.dropFirst() }
        rest = rest.drop { $0 == " " || $0 == "\t" }
        let regsText = rest.prefix { $0 != " " && $0 != "\t" && $0 != "[" }
        let words = regsText.split(separator: "-")
        guard words.count == 4, words.allSatisfy({ $0.count == 8 }) else { return nil }
        let values = words.compactMap { UInt32($0, radix: 16) }
        guard values.count == 4 else { return nil }
        var subleaf: UInt32? = nil
        if let sl = rest.range(of: "[SL ") {
            let digits = rest[sl.upperBound...].prefix { $0.isHexDigit }
            guard let v = UInt32(digits, radix: 16) else { return nil }
            subleaf = v
        }
        return (leaf, subleaf, .init(eax: values[0], ebx: values[1], ecx: values[2], edx: values[3]))
    }

    /// `0x00000007 0x00: eax=0x00000000 ebx=0x… ecx=0x… edx=0x…` (Debian's `cpuid -r`).
    static func parseCpuidTool(_ line: String) -> (UInt32, UInt32, RawCPUID.Registers)? {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" })
        guard parts.count == 6, let leaf = parseHex(String(parts[0])), let sub = parseHex(String(parts[1])) else { return nil }
        var regs: [String: UInt32] = [:]
        for p in parts[2...] {
            let kv = p.split(separator: "=")
            guard kv.count == 2, let v = parseHex(String(kv[1])) else { return nil }
            regs[String(kv[0])] = v
        }
        guard let a = regs["eax"], let b = regs["ebx"], let c = regs["ecx"], let d = regs["edx"] else { return nil }
        return (leaf, sub, .init(eax: a, ebx: b, ecx: c, edx: d))
    }

    /// libcpuid's array names → leaf and sub-leaf.
    static func libcpuidKey(_ name: String, _ line: String) -> (UInt32, UInt32)? {
        guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
              let i = UInt32(line[line.index(after: open)..<close]) else { return nil }
        switch name {
        case "basic_cpuid": return (i, 0)
        case "ext_cpuid": return (0x8000_0000 + i, 0)
        case "intel_fn4": return (4, i)
        case "intel_fn11": return (0xB, i)
        case "intel_fn12h": return (0x12, i)
        case "intel_fn14h": return (0x14, i)
        case "amd_fn8000001dh": return (0x8000_001D, i)
        case "amd_fn80000026h": return (0x8000_0026, i)
        default: return nil
        }
    }

    /// Writes raw CPUID as Debian's `cpuid -1 -r` prints it, which `parse` (and libcpuid's own
    /// tools) read back.
    public static func render(_ raw: RawCPUID, comment: String) -> String {
        var out = comment.split(whereSeparator: \.isNewline).map { "# \($0)\n" }.joined()
        out += "CPU:\n"
        for key in raw.leaves.keys.sorted() {
            let r = raw.leaves[key]!
            let sub = String(key.subleaf, radix: 16)
            out += "   0x\(hex8(key.leaf).lowercased()) 0x\(sub.count < 2 ? "0" + sub : sub): "
                + "eax=0x\(hex8(r.eax).lowercased()) ebx=0x\(hex8(r.ebx).lowercased()) "
                + "ecx=0x\(hex8(r.ecx).lowercased()) edx=0x\(hex8(r.edx).lowercased())\n"
        }
        return out
    }

    static func headerLabel(_ line: String) -> String {
        let t = line.trimmingCharacters(in: CharacterSet(charactersIn: "-[] :"))
        if let r = t.range(of: "Logical CPU #") { return "Logical CPU #" + t[r.upperBound...].prefix { $0.isNumber } }
        if let r = t.range(of: "CPU #") { return "CPU #" + t[r.upperBound...].prefix { $0.isNumber } }
        return t
    }
}

func hex8(_ v: UInt32) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}

import Foundation
