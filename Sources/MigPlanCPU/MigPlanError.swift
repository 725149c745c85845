/// Everything that can be wrong with migplan's input or with the cpudb itself. Each message names
/// the file, line or key path and what was expected, in one line.
public enum MigPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A model name cpudb does not know; `suggestions` are close names.
    case unknownModel(String, suggestions: [String])
    /// A feature name cpudb does not know, met at `location` (a file and key path, or an option).
    case unknownFeature(String, location: String?, suggestions: [String])
    case unknownVendor(String, location: String?)
    /// A HOST argument that is neither a model name nor a readable file.
    case unknownHost(String, suggestions: [String])
    /// A file that does not parse or does not hold what was expected.
    case invalidInput(file: String, line: Int?, keyPath: String?, message: String)
    /// cpudb data that is inconsistent (a bug in the data, never in the user's input).
    case invalidDatabase(file: String, message: String)
    case emptyHostList
    case unreadableFile(String, reason: String)
    /// Another error with a word of where it was met.
    indirect case context(MigPlanError, String)

    /// This error, with a word of where it was met appended.
    public func withContext(_ text: String) -> MigPlanError { .context(self, text) }

    public var description: String {
        switch self {
        case let .unknownModel(name, suggestions):
            return "unknown CPU model '\(Self.short(name))'" + Self.didYouMean(suggestions)
                + "; `migplan models` lists them"
        case let .unknownFeature(name, location, suggestions):
            return (location.map { "\($0): " } ?? "") + "unknown CPU feature '\(name)'"
                + Self.didYouMean(suggestions) + "; `migplan features` lists them"
        case let .unknownVendor(name, location):
            return (location.map { "\($0): " } ?? "")
                + "unknown CPU vendor '\(name)'; expected Intel, AMD, Hygon or Zhaoxin (or a CPUID vendor string)"
        case let .unknownHost(name, suggestions):
            return "'\(Self.short(name))' is neither a CPU model nor a readable file" + Self.didYouMean(suggestions)
        case let .invalidInput(file, line, keyPath, message):
            var place = file
            if let line { place += ":\(line)" }
            if let keyPath, !keyPath.isEmpty { place += ": \(keyPath)" }
            return "\(place): \(message)"
        case let .invalidDatabase(file, message):
            return "cpudb/\(file): \(message)"
        case .emptyHostList:
            return "no hosts given: name at least one CPU model or host file"
        case let .unreadableFile(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .context(error, text):
            return "\(error.description); \(text)"
        }
    }

    /// At most 60 characters of what the user wrote, on one line.
    static func short(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 60 || line.count < text.count ? String(line.prefix(60)) + "…" : line
    }

    /// Names close to `name` among `candidates`, closest first (for "did you mean").
    public static func closeNames(_ name: String, among candidates: some Sequence<String>) -> [String] {
        suggestions(for: name, among: candidates)
    }

    public static func didYouMean(_ names: [String]) -> String {
        switch names.count {
        case 0: return ""
        case 1: return " (did you mean '\(names[0])'?)"
        default: return " (did you mean " + names.map { "'\($0)'" }.joined(separator: ", ") + "?)"
        }
    }
}

/// Names close to `name`: same text ignoring case and punctuation, a prefix, or within a small
/// edit distance. At most `limit`, closest first.
func suggestions(for name: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
    let key = normalizedName(name)
    guard !key.isEmpty else { return [] }
    var scored: [(Int, String)] = []
    for candidate in candidates {
        let other = normalizedName(candidate)
        let score: Int
        if other == key {
            score = 0
        } else if other.hasPrefix(key) && key.count >= 3 {
            score = 1  // typed the start of a name
        } else {
            let d = editDistance(key, other, limit: 3)
            guard d <= max(1, min(3, key.count / 3)) else { continue }
            score = 1 + d
        }
        scored.append((score, candidate))
    }
    scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    var result: [String] = []
    for (_, name) in scored where !result.contains(name) && result.count < limit { result.append(name) }
    return result
}

/// Lower case, with `_`, `.`, ` ` and `-` treated alike: QEMU and Linux spell the same feature
/// `sse4.1`, `sse4_1` or `sse4-1`.
func normalizedName(_ name: String) -> String {
    String(name.lowercased().map { c -> Character in
        c == "_" || c == "." || c == " " ? "-" : c
    })
}

/// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
    let x = Array(a.utf8), y = Array(b.utf8)
    if abs(x.count - y.count) > limit { return limit + 1 }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...max(1, x.count) where !x.isEmpty {
        current[0] = i
        var rowMin = current[0]
        for j in stride(from: 1, through: y.count, by: 1) {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMin = min(rowMin, current[j])
        }
        if rowMin > limit { return limit + 1 }
        swap(&previous, &current)
    }
    return x.isEmpty ? y.count : previous[y.count]
}
