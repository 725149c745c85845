/// A strict JSON (RFC 8259) reader that builds ``InputNode``s with the line of every value, so
/// large JSON inventories read fast and errors still name their line.
struct JSONReader {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var depth = 0
    private let file: String
    /// Deeper documents are refused rather than exhausting the stack (libyaml stops at 1000 too).
    static let maxDepth = 512

    init(_ text: String, file: String) {
        bytes = Array(text.utf8)
        self.file = file
    }

    static func parse(_ text: String, file: String) throws(MigPlanError) -> InputNode {
        var reader = JSONReader(text, file: file)
        reader.skipSpace()
        let node = try reader.value(path: "")
        reader.skipSpace()
        guard reader.i == reader.bytes.count else { throw reader.fail("unexpected text after the JSON document") }
        return node
    }

    private func fail(_ message: String) -> MigPlanError {
        .invalidInput(file: file, line: line, keyPath: nil, message: "not valid JSON: \(message)")
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A: i += 1; line += 1
            default: return
            }
        }
    }

    private mutating func value(path: String) throws(MigPlanError) -> InputNode {
        guard i < bytes.count else { throw fail("the document ends early") }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        let start = line
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(key: String, value: InputNode)] = []
            var seen = Set<String>()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return InputNode(value: .map([]), file: file, line: start, path: path) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key in double quotes") }
                let keyLine = line
                let key = try string()
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else {
                    throw .invalidInput(file: file, line: keyLine, keyPath: childPath, message: "key given twice")
                }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key)\"") }
                i += 1
                skipSpace()
                pairs.append((key, try value(path: childPath)))
                skipSpace()
                guard i < bytes.count else { throw fail("the document ends inside an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}'")
            }
            return InputNode(value: .map(pairs), file: file, line: start, path: path)
        case UInt8(ascii: "["):
            i += 1
            var items: [InputNode] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return InputNode(value: .list([]), file: file, line: start, path: path) }
            while true {
                skipSpace()
                items.append(try value(path: "\(path)[\(items.count)]"))
                skipSpace()
                guard i < bytes.count else { throw fail("the document ends inside an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                throw fail("expected ',' or ']'")
            }
            return InputNode(value: .list(items), file: file, line: start, path: path)
        case UInt8(ascii: "\""):
            return InputNode(value: .scalar(try string(), quoted: true), file: file, line: start, path: path)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for word in ["true", "false", "null"] {
                let w = Array(word.utf8)
                if i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w {
                    i += w.count
                    return word == "null"
                        ? InputNode(value: .null, file: file, line: start, path: path)
                        : InputNode(value: .scalar(word, quoted: false), file: file, line: start, path: path)
                }
            }
            throw fail("unknown literal")
        default:
            let from = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || bytes[i] == UInt8(ascii: ".")
                || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") || bytes[i] == UInt8(ascii: "+")
                || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let text = String(decoding: bytes[from..<i], as: UTF8.self)
            guard !text.isEmpty, Double(text) != nil else { throw fail("unexpected character '\(Character(UnicodeScalar(bytes[from])))'") }
            return InputNode(value: .scalar(text, quoted: false), file: file, line: start, path: path)
        }
    }

    private mutating func string() throws(MigPlanError) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == 0x0A || c < 0x20 { throw fail("control character inside a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            switch bytes[i] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = UnicodeScalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw fail("invalid escape")
            }
            i += 1
        }
        throw fail("the document ends inside a string")
    }

    private mutating func hex4() throws(MigPlanError) -> UInt32 {
        guard i + 4 < bytes.count, let v = UInt32(String(decoding: bytes[i + 1...i + 4], as: UTF8.self), radix: 16) else {
            throw fail("\\u needs four hexadecimal digits")
        }
        i += 4
        return v
    }
}
