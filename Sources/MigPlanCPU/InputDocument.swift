import Foundation
import Yams

/// A parsed YAML or JSON document that remembers, for every value, its file, line and key path,
/// so that every complaint about input can say exactly where it is.
public struct InputNode: Sendable {
    public indirect enum Value: Sendable {
        case null
        /// A scalar's text; `quoted` when the author wrote it as a string ("85", 'x').
        case scalar(String, quoted: Bool)
        case list([InputNode])
        case map([(key: String, value: InputNode)])
    }

    public let value: Value
    public let file: String
    public let line: Int?
    /// `hosts[3].cpu.features[2]`; empty for the document itself.
    public let path: String

    /// Parses YAML or JSON (JSON is read as the YAML it is), keeping positions.
    public static func parse(_ text: String, file: String) throws(MigPlanError) -> InputNode {
        // JSON (what cluster managers send) through a strict, fast reader; YAML through libyaml.
        if let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return try JSONReader.parse(text, file: file)
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            throw .invalidInput(file: file, line: context.mark.line, keyPath: nil,
                                message: "key given twice in one mapping: " + duplicates.map { "'\($0)'" }.joined(separator: ", "))
        } catch let error as YamlError {
            throw .invalidInput(file: file, line: error.line, keyPath: nil,
                                message: "not valid YAML or JSON: \(error.problemText)")
        } catch {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "not valid YAML or JSON: \(error)")
        }
        guard let node else {
            throw .invalidInput(file: file, line: nil, keyPath: nil, message: "empty document")
        }
        return try convert(node, file: file, path: "")
    }

    private static func convert(_ node: Node, file: String, path: String) throws(MigPlanError) -> InputNode {
        let line = node.mark?.line
        switch node {
        case let .scalar(s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
            if !quoted && ["", "~", "null", "Null", "NULL"].contains(s.string) {
                return InputNode(value: .null, file: file, line: line, path: path)
            }
            return InputNode(value: .scalar(s.string, quoted: quoted), file: file, line: line, path: path)
        case let .sequence(seq):
            var items: [InputNode] = []
            for (i, child) in seq.enumerated() {
                items.append(try convert(child, file: file, path: "\(path)[\(i)]"))
            }
            return InputNode(value: .list(items), file: file, line: line, path: path)
        case let .mapping(map):
            var pairs: [(key: String, value: InputNode)] = []
            var seen = Set<String>()
            var merged: [Node] = []
            for (k, v) in map {
                guard case let .scalar(key) = k else {
                    throw .invalidInput(file: file, line: k.mark?.line, keyPath: path, message: "keys must be plain strings")
                }
                let childPath = path.isEmpty ? key.string : "\(path).\(key.string)"
                // YAML merge key (`<<: *anchor` or `<<: [*a, *b]`): the mapping's own keys win,
                // then earlier merged mappings over later ones.
                if key.string == "<<" && key.style == .plain {
                    let sources: [Node]
                    if case let .sequence(seq) = v { sources = Array(seq) } else { sources = [v] }
                    for source in sources {
                        guard case .mapping = source else {
                            throw .invalidInput(file: file, line: source.mark?.line ?? k.mark?.line, keyPath: childPath,
                                                message: "a merge key takes a mapping or a list of mappings (e.g. <<: *defaults)")
                        }
                        merged.append(source)
                    }
                    continue
                }
                guard seen.insert(key.string).inserted else {
                    throw .invalidInput(file: file, line: k.mark?.line, keyPath: childPath, message: "key given twice")
                }
                pairs.append((key.string, try convert(v, file: file, path: childPath)))
            }
            for source in merged {
                // Converted at this path, so its own merge keys resolve too and errors name this key path.
                guard case let .map(inner) = try convert(source, file: file, path: path).value else { continue }
                for pair in inner where seen.insert(pair.key).inserted { pairs.append(pair) }
            }
            return InputNode(value: .map(pairs), file: file, line: line, path: path)
        case .alias:
            throw .invalidInput(file: file, line: line, keyPath: path, message: "YAML aliases are not supported here")
        }
    }

    // MARK: - Typed access

    public func error(_ message: String) -> MigPlanError {
        .invalidInput(file: file, line: line, keyPath: path, message: message)
    }

    private var kindName: String {
        switch value {
        case .null: return "nothing"
        case let .scalar(s, _): return "'\(s)'"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    public var isNull: Bool { if case .null = value { return true } else { return false } }

    public func string() throws(MigPlanError) -> String {
        guard case let .scalar(s, _) = value else { throw error("expected a string, found \(kindName)") }
        return s
    }

    public func int(in range: ClosedRange<Int>? = nil) throws(MigPlanError) -> Int {
        guard case let .scalar(s, quoted) = value, !quoted, let n = Self.parseInt(s) else {
            throw error("expected a whole number, found \(kindName)")
        }
        if let range, !range.contains(n) {
            throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(n)")
        }
        return n
    }

    public func double(min: Double? = nil) throws(MigPlanError) -> Double {
        guard case let .scalar(s, quoted) = value, !quoted, let x = Double(s), x.isFinite else {
            throw error("expected a number, found \(kindName)")
        }
        if let min, x < min { throw error("expected a number ≥ \(min), found \(s)") }
        return x
    }

    public func bool() throws(MigPlanError) -> Bool {
        guard case let .scalar(s, quoted) = value, !quoted else { throw error("expected true or false, found \(kindName)") }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, found '\(s)'")
        }
    }

    public func list() throws(MigPlanError) -> [InputNode] {
        guard case let .list(items) = value else { throw error("expected a list, found \(kindName)") }
        return items
    }

    public func strings() throws(MigPlanError) -> [String] {
        var out: [String] = []
        for item in try list() { out.append(try item.string()) }
        return out
    }

    /// The mapping's entries, after checking that every key is one of `allowed` or starts with
    /// `extensionPrefix` (keys the author owns, such as `x-` anchors).
    public func map(allowed: [String]? = nil, extensionPrefix: String? = nil) throws(MigPlanError) -> [String: InputNode] {
        guard case let .map(pairs) = value else { throw error("expected a mapping, found \(kindName)") }
        var result: [String: InputNode] = [:]
        for (key, node) in pairs {
            if let allowed, !allowed.contains(key), !(extensionPrefix.map { key.hasPrefix($0) } ?? false) {
                let close = suggestions(for: key, among: allowed, limit: 1)
                throw MigPlanError.invalidInput(
                    file: file, line: node.line, keyPath: node.path,
                    message: "unknown key '\(key)'" + (close.isEmpty ? "" : " (did you mean '\(close[0])'?)")
                        + "; expected one of " + allowed.joined(separator: ", ")
                        + (extensionPrefix.map { " (or a key starting with '\($0)')" } ?? ""))
            }
            result[key] = node
        }
        return result
    }

    public func isMap() -> Bool { if case .map = value { return true } else { return false } }

    static func parseInt(_ s: String) -> Int? {
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return Int(s.dropFirst(2), radix: 16) }
        return Int(s)
    }
}

extension YamlError {
    var line: Int? {
        switch self {
        case let .scanner(_, _, mark, _): return mark.line
        case let .parser(_, _, mark, _): return mark.line
        case let .composer(_, _, mark, _): return mark.line
        default: return nil
        }
    }

    var problemText: String {
        switch self {
        case let .scanner(_, problem, _, _): return problem
        case let .parser(_, problem, _, _): return problem
        case let .composer(_, problem, _, _): return problem
        default: return "\(self)"
        }
    }
}
