/// A small strict JSON parser producing ``AvroJSON`` (schemas are parsed once, at load time).
///
/// Kept here rather than using Foundation's JSONSerialization so integral numbers stay exact
/// `Int64`s and booleans never masquerade as numbers.
struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private let source: String
    private var depth = 0

    init(_ text: String, source: String) {
        self.bytes = Array(text.utf8)
        self.source = source
    }

    /// Parses a whole document; trailing non-space characters are an error.
    mutating func parseDocument() throws(AvroError) -> AvroJSON {
        let value = try parseValue()
        skipSpace()
        if position != bytes.count { throw failure("unexpected characters after the JSON value") }
        return value
    }

    private func failure(_ message: String) -> AvroError {
        AvroError(.schemaParse, "invalid JSON: \(message) (character \(position))", source: source)
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(AvroError) -> AvroJSON {
        skipSpace()
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        default: return try parseNumber()
        }
    }

    private mutating func expectWord(_ word: String) throws(AvroError) {
        for byte in word.utf8 {
            guard position < bytes.count, bytes[position] == byte else { throw failure("expected \(word)") }
            position += 1
        }
    }

    private mutating func enter() throws(AvroError) {
        depth += 1
        if depth > 512 { throw failure("nesting deeper than 512") }
    }

    private mutating func parseObject() throws(AvroError) -> AvroJSON {
        try enter()
        defer { depth -= 1 }
        position += 1
        var object: [String: AvroJSON] = [:]
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try parseString()
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            object[key] = try parseValue()
            skipSpace()
            guard position < bytes.count else { throw failure("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            }
            throw failure("expected ',' or '}'")
        }
    }

    private mutating func parseArray() throws(AvroError) -> AvroJSON {
        try enter()
        defer { depth -= 1 }
        position += 1
        var array: [AvroJSON] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(array)
        }
        while true {
            array.append(try parseValue())
            skipSpace()
            guard position < bytes.count else { throw failure("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(array)
            }
            throw failure("expected ',' or ']'")
        }
    }

    private mutating func parseHex4() throws(AvroError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            position += 1
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw failure("bad \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func parseString() throws(AvroError) -> String {
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw failure("unterminated string") }
            let c = bytes[position]
            position += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw failure("control character in string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard position < bytes.count else { throw failure("unterminated escape") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw failure("unpaired surrogate") }
                    position += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw failure("unpaired surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw failure("bad scalar") }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: throw failure("bad escape")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw failure("invalid UTF-8 in string") }
        return text
    }

    private mutating func parseNumber() throws(AvroError) -> AvroJSON {
        let start = position
        var integral = true
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        while position < bytes.count {
            let c = bytes[position]
            if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                digits += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            {
                integral = false
            } else {
                break
            }
            position += 1
        }
        guard digits > 0 else { throw failure("unexpected character") }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw failure("bad number \(text)") }
        return .number(value)
    }
}
