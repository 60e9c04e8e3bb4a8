/// Turns a field's JSON default into Avro binary (validating it against the field's type) or
/// into a slot constant for a projected field.
struct DefaultValueEncoder {
    let schema: AvroSchema
    /// The field the default belongs to, for error messages.
    let path: String

    private func failure(_ message: String) -> AvroError {
        AvroError(.incompatibleSchemas, "field \(path): default value \(message)", source: schema.source)
    }

    static func zigzag(_ value: Int64, into out: inout [UInt8]) {
        AvroBinaryWriter.appendLong(value, to: &out)
    }

    /// Code points 0...255 of a JSON string, as bytes (the Avro convention for bytes/fixed defaults).
    private func latin1(_ text: String) throws(AvroError) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { throw failure("has a character above U+00FF for bytes") }
            out.append(UInt8(scalar.value))
        }
        return out
    }

    /// Avro binary encoding of `json` as a value of `type`.
    func encode(_ json: AvroJSON, as type: AvroType, into out: inout [UInt8], depth: Int = 0) throws(AvroError) {
        if depth > 64 { throw failure("is nested too deeply") }
        switch (schema.resolve(type), json) {
        case (.primitive(.null, _), .null):
            break
        case (.primitive(.boolean, _), .bool(let value)):
            out.append(value ? 1 : 0)
        case (.primitive(.int, _), .integer(let value)) where Int64(Int32.min)...Int64(Int32.max) ~= value:
            Self.zigzag(value, into: &out)
        case (.primitive(.long, _), .integer(let value)):
            Self.zigzag(value, into: &out)
        case (.primitive(.float, _), .integer(let value)):
            withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case (.primitive(.float, _), .number(let value)):
            withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case (.primitive(.double, _), .integer(let value)):
            withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case (.primitive(.double, _), .number(let value)):
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case (.primitive(.bytes, _), .string(let text)):
            let content = try latin1(text)
            Self.zigzag(Int64(content.count), into: &out)
            out.append(contentsOf: content)
        case (.primitive(.string, _), .string(let text)):
            Self.zigzag(Int64(text.utf8.count), into: &out)
            out.append(contentsOf: text.utf8)
        case (.fixed(let fixed), .string(let text)):
            let content = try latin1(text)
            guard content.count == fixed.size else {
                throw failure("has \(content.count) bytes, fixed needs \(fixed.size)")
            }
            out.append(contentsOf: content)
        case (.enumeration(let enumeration), .string(let symbol)):
            guard let index = enumeration.symbols.firstIndex(of: symbol) else {
                throw failure("\(symbol) is not a symbol of \(enumeration.name.fullName)")
            }
            Self.zigzag(Int64(index), into: &out)
        case (.array(let items), .array(let elements)):
            if !elements.isEmpty {
                Self.zigzag(Int64(elements.count), into: &out)
                for element in elements { try encode(element, as: items, into: &out, depth: depth + 1) }
            }
            out.append(0)
        case (.map(let values), .object(let entries)):
            if !entries.isEmpty {
                Self.zigzag(Int64(entries.count), into: &out)
                for key in entries.keys.sorted() {
                    Self.zigzag(Int64(key.utf8.count), into: &out)
                    out.append(contentsOf: key.utf8)
                    try encode(entries[key]!, as: values, into: &out, depth: depth + 1)
                }
            }
            out.append(0)
        case (.union(let branches), _):
            let index = try unionBranch(json, branches)
            Self.zigzag(Int64(index), into: &out)
            try encode(json, as: branches[index], into: &out, depth: depth + 1)
        case (.record(let record), .object(let entries)):
            for field in record.fields {
                guard let value = entries[field.name] ?? field.defaultValue else {
                    throw failure("lacks record field \(field.name)")
                }
                try encode(value, as: field.type, into: &out, depth: depth + 1)
            }
        default:
            throw failure("does not match type \(type.displayName)")
        }
    }

    /// The union branch a default belongs to: the first branch (per the specification), else the
    /// first branch the value fits.
    func unionBranch(_ json: AvroJSON, _ branches: [AvroType]) throws(AvroError) -> Int {
        for (index, branch) in branches.enumerated() {
            var scratch: [UInt8] = []
            if (try? encode(json, as: branch, into: &scratch)) != nil { return index }
        }
        throw failure("fits no branch of the union")
    }

    /// The slot value a projected field takes when the writer lacks it.
    func constant(_ json: AvroJSON, as type: AvroType) throws(AvroError) -> PlanConstant {
        var encoded: [UInt8] = []
        try encode(json, as: type, into: &encoded)
        switch (schema.resolve(type), json) {
        case (.union(let branches), _):
            return try constant(json, as: branches[try unionBranch(json, branches)])
        case (.primitive(.null, _), _):
            return PlanConstant(tag: .null, value: 0, bytes: [])
        case (.primitive(.boolean, _), .bool(let value)):
            return PlanConstant(tag: .long, value: value ? 1 : 0, bytes: [])
        case (.primitive(.int, _), .integer(let value)), (.primitive(.long, _), .integer(let value)):
            return PlanConstant(tag: .long, value: value, bytes: [])
        case (.primitive(.float, _), .integer(let value)), (.primitive(.double, _), .integer(let value)):
            return PlanConstant(tag: .double, value: Int64(bitPattern: Double(value).bitPattern), bytes: [])
        case (.primitive(.float, _), .number(let value)):
            return PlanConstant(tag: .double, value: Int64(bitPattern: Double(Float(value)).bitPattern), bytes: [])
        case (.primitive(.double, _), .number(let value)):
            return PlanConstant(tag: .double, value: Int64(bitPattern: value.bitPattern), bytes: [])
        case (.primitive(.string, _), .string(let text)):
            return PlanConstant(tag: .bytes, value: 0, bytes: Array(text.utf8))
        case (.primitive(.bytes, _), .string(let text)), (.fixed, .string(let text)):
            return PlanConstant(tag: .bytes, value: 0, bytes: try latin1(text))
        case (.enumeration(let enumeration), .string(let symbol)):
            return PlanConstant(tag: .long, value: Int64(enumeration.symbols.firstIndex(of: symbol) ?? 0), bytes: [])
        default:
            // record, array, map: the binary encoding of the default.
            return PlanConstant(tag: .bytes, value: 0, bytes: encoded)
        }
    }
}
