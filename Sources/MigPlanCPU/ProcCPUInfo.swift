/// A copy of a Linux host's `/proc/cpuinfo`.
public enum ProcCPUInfo {
    public static func looksLikeCPUInfo(_ text: Substring) -> Bool {
        var vendor = false, flags = false
        for line in text.split(whereSeparator: \.isNewline).prefix(60) {
            let key = line.split(separator: ":", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            if key == "vendor_id" { vendor = true }
            if key == "flags" { flags = true }
        }
        return vendor && flags
    }

    /// The `processor` blocks as key → value maps, with the line each block starts at.
    static func blocks(_ text: String, file: String) throws(MigPlanError) -> [(line: Int, fields: [String: String])] {
        var blocks: [(Int, [String: String])] = []
        var fields: [String: String] = [:]
        var start = 1
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if !fields.isEmpty { blocks.append((start, fields)) }
                fields = [:]
                start = i + 2
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .invalidInput(file: file, line: i + 1, keyPath: nil, message: "expected 'key : value', found '\(line.prefix(60))'")
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if !fields.isEmpty { blocks.append((start, fields)) }
        return blocks.filter { $0.1["vendor_id"] != nil }
    }
}

extension CPUDB {
    /// A CPU from `/proc/cpuinfo`: vendor, signature and the flags Linux shows. Linux hides some
    /// CPUID bits and adds flags of its own; both are said in the notes.
    public func cpu(fromCPUInfo text: String, file: String) throws(MigPlanError) -> CPU {
        let blocks = try ProcCPUInfo.blocks(text, file: file)
        guard let first = blocks.first else {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "no processor block with vendor_id")
        }
        func field(_ key: String) throws(MigPlanError) -> String {
            guard let v = first.fields[key] else {
                throw .invalidInput(file: file, line: first.line, keyPath: key, message: "missing in the first processor block")
            }
            return v
        }
        func number(_ key: String) throws(MigPlanError) -> Int {
            let text = try field(key)
            guard let n = Int(text) else {
                throw .invalidInput(file: file, line: first.line, keyPath: key, message: "expected a whole number, found '\(text)'")
            }
            return n
        }
        let vendorText = try field("vendor_id")
        guard let vendor = vendor(named: vendorText) else {
            throw .unknownVendor(vendorText, location: "\(file):\(first.line): vendor_id")
        }
        let signature = CPUSignature(family: try number("cpu family"), model: try number("model"), stepping: try number("stepping"))
        var set = FeatureSet()
        var linuxOnly: [String] = []
        let flags = try field("flags").split(separator: " ").map(String.init)
        for flag in flags {
            if let i = featureIndex(named: flag) { set.insert(i) } else { linuxOnly.append(flag) }
        }
        var notes = ["Linux /proc/cpuinfo: features Linux does not show (osxsave, …) read as absent"]
        if !linuxOnly.isEmpty {
            notes.append("\(linuxOnly.count) Linux flags have no CPUID bit in cpudb: \(linuxOnly.joined(separator: " "))")
        }
        let distinctFlags = Set(blocks.map { $0.fields["flags"] ?? "" })
        if distinctFlags.count > 1 {
            notes.append("processors show \(distinctFlags.count) different flag sets; used processor \(first.fields["processor"] ?? "0")'s")
        }
        let packages = Set(blocks.compactMap { $0.fields["physical id"] })
        return CPU(name: file, vendor: vendor.name, signature: signature, features: set,
                   model: decode(vendor: vendor.name, signature: signature, features: set, kind: .host)?.model,
                   brand: first.fields["model name"], sockets: packages.isEmpty ? nil : packages.count,
                   origin: "/proc/cpuinfo copy \(file)", notes: notes)
    }
}
