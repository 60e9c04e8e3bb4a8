/// Builds an ``AvroType`` tree from schema JSON, resolving names and namespaces.
struct SchemaParser {
    let source: String
    /// Named types defined so far, by full name.
    private(set) var named: [String: AvroType] = [:]
    /// Named types whose definition is being parsed (references to them are recursive).
    private var inProgress: Set<String> = []

    init(source: String) {
        self.source = source
    }

    private func failure(_ message: String, at path: String) -> AvroError {
        AvroError(.schemaParse, "\(path.isEmpty ? "schema" : path): \(message)", source: source)
    }

    /// Parses one type in the given enclosing namespace; `path` names the place for errors.
    mutating func parseType(_ json: AvroJSON, namespace: String?, path: String) throws(AvroError) -> AvroType {
        switch json {
        case .string(let name):
            return try namedOrPrimitive(name, namespace: namespace, path: path)
        case .array(let branches):
            return try parseUnion(branches, namespace: namespace, path: path)
        case .object(let object):
            return try parseObject(object, namespace: namespace, path: path)
        default:
            throw failure("a type must be a string, an array (union) or an object", at: path)
        }
    }

    private mutating func namedOrPrimitive(_ name: String, namespace: String?, path: String) throws(AvroError)
        -> AvroType
    {
        if let primitive = AvroPrimitive(rawValue: name) { return .plain(primitive) }
        var candidates: [String] = []
        if name.contains(".") {
            candidates.append(name)
        } else {
            if let namespace, !namespace.isEmpty { candidates.append(namespace + "." + name) }
            candidates.append(name)
        }
        for candidate in candidates {
            if inProgress.contains(candidate) { return .reference(candidate) }
            if let type = named[candidate] { return type }
        }
        throw failure("unknown type \"\(name)\"", at: path)
    }

    private mutating func parseUnion(_ branches: [AvroJSON], namespace: String?, path: String) throws(AvroError)
        -> AvroType
    {
        var types: [AvroType] = []
        var seen: Set<String> = []
        for (index, branch) in branches.enumerated() {
            let type = try parseType(branch, namespace: namespace, path: "\(path)[\(index)]")
            let key: String
            switch type {
            case .union: throw failure("a union may not directly contain a union", at: path)
            case .primitive(let primitive, _): key = primitive.rawValue
            case .array: key = "array"
            case .map: key = "map"
            default: key = type.fullName ?? type.displayName
            }
            guard seen.insert(key).inserted else { throw failure("union contains \(key) twice", at: path) }
            types.append(type)
        }
        if types.isEmpty { throw failure("empty union", at: path) }
        return .union(types)
    }

    private func string(_ object: [String: AvroJSON], _ key: String, path: String) throws(AvroError) -> String? {
        guard let value = object[key] else { return nil }
        guard case .string(let text) = value else { throw failure("\"\(key)\" must be a string", at: path) }
        return text
    }

    private func aliases(_ object: [String: AvroJSON], path: String) throws(AvroError) -> [String] {
        guard let value = object["aliases"] else { return [] }
        guard case .array(let items) = value else { throw failure("\"aliases\" must be an array", at: path) }
        var out: [String] = []
        for item in items {
            guard case .string(let alias) = item else { throw failure("aliases must be strings", at: path) }
            out.append(alias)
        }
        return out
    }

    private func isValidName(_ name: Substring) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || c == UInt8(ascii: "_")
        }
        guard letter(first) else { return false }
        return name.utf8.allSatisfy { letter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    /// Reads `name`/`namespace` of a named type definition.
    private func definitionName(_ object: [String: AvroJSON], namespace: String?, path: String) throws(AvroError)
        -> AvroName
    {
        guard let rawName = try string(object, "name", path: path) else {
            throw failure("a named type needs a \"name\"", at: path)
        }
        let result: AvroName
        if let dot = rawName.lastIndex(of: ".") {
            result = AvroName(name: String(rawName[rawName.index(after: dot)...]), namespace: String(rawName[..<dot]))
        } else {
            let explicit = try string(object, "namespace", path: path)
            result = AvroName(name: rawName, namespace: explicit ?? namespace)
        }
        for part in result.fullName.split(separator: ".", omittingEmptySubsequences: false) where !isValidName(part) {
            throw failure("invalid name \"\(result.fullName)\"", at: path)
        }
        if named[result.fullName] != nil || inProgress.contains(result.fullName) {
            throw failure("type \(result.fullName) is defined twice", at: path)
        }
        return result
    }

    private func logicalType(_ object: [String: AvroJSON], path: String) throws(AvroError) -> AvroLogicalType? {
        guard let name = try string(object, "logicalType", path: path) else { return nil }
        var attributes = object
        for key in ["type", "logicalType", "name", "namespace", "size", "aliases", "doc"] {
            attributes[key] = nil
        }
        return AvroLogicalType(name: name, attributes: attributes)
    }

    private mutating func parseObject(_ object: [String: AvroJSON], namespace: String?, path: String) throws(AvroError)
        -> AvroType
    {
        guard let typeValue = object["type"] else { throw failure("missing \"type\"", at: path) }
        guard case .string(let typeName) = typeValue else {
            // {"type": {...}} or {"type": [...]}: the nested type itself.
            return try parseType(typeValue, namespace: namespace, path: path)
        }
        switch typeName {
        case "record", "error":
            let name = try definitionName(object, namespace: namespace, path: path)
            let recordPath = path.isEmpty ? name.name : path
            guard case .array(let fieldsJSON)? = object["fields"] else {
                throw failure("record \(name.fullName) needs a \"fields\" array", at: recordPath)
            }
            inProgress.insert(name.fullName)
            var fields: [AvroField] = []
            var fieldNames: Set<String> = []
            for fieldJSON in fieldsJSON {
                guard case .object(let fieldObject) = fieldJSON else {
                    throw failure("a field must be an object", at: recordPath)
                }
                guard let fieldName = try string(fieldObject, "name", path: recordPath) else {
                    throw failure("a field needs a \"name\"", at: recordPath)
                }
                let fieldPath = recordPath + "." + fieldName
                guard isValidName(Substring(fieldName)) else { throw failure("invalid field name", at: fieldPath) }
                guard fieldNames.insert(fieldName).inserted else { throw failure("field defined twice", at: fieldPath) }
                guard let fieldType = fieldObject["type"] else {
                    throw failure("field needs a \"type\"", at: fieldPath)
                }
                let type = try parseType(fieldType, namespace: name.namespace, path: fieldPath)
                fields.append(
                    AvroField(
                        name: fieldName, type: type, defaultValue: fieldObject["default"],
                        aliases: try aliases(fieldObject, path: fieldPath)))
            }
            inProgress.remove(name.fullName)
            let record = AvroType.record(
                AvroRecordSchema(name: name, aliases: try aliases(object, path: recordPath), fields: fields))
            named[name.fullName] = record
            return record
        case "enum":
            let name = try definitionName(object, namespace: namespace, path: path)
            guard case .array(let symbolsJSON)? = object["symbols"] else {
                throw failure("enum \(name.fullName) needs a \"symbols\" array", at: path)
            }
            var symbols: [String] = []
            for symbolJSON in symbolsJSON {
                guard case .string(let symbol) = symbolJSON, isValidName(Substring(symbol)) else {
                    throw failure("enum \(name.fullName) has an invalid symbol", at: path)
                }
                guard !symbols.contains(symbol) else { throw failure("enum symbol \(symbol) repeated", at: path) }
                symbols.append(symbol)
            }
            let defaultSymbol = try string(object, "default", path: path)
            if let defaultSymbol, !symbols.contains(defaultSymbol) {
                throw failure("enum default \(defaultSymbol) is not a symbol", at: path)
            }
            let enumeration = AvroType.enumeration(
                AvroEnumSchema(
                    name: name, aliases: try aliases(object, path: path), symbols: symbols,
                    defaultSymbol: defaultSymbol))
            named[name.fullName] = enumeration
            return enumeration
        case "fixed":
            let name = try definitionName(object, namespace: namespace, path: path)
            guard case .integer(let size)? = object["size"], size >= 0, size <= Int64(Int32.max) else {
                throw failure("fixed \(name.fullName) needs a non-negative integer \"size\"", at: path)
            }
            let fixed = AvroType.fixed(
                AvroFixedSchema(
                    name: name, aliases: try aliases(object, path: path), size: Int(size),
                    logicalType: try logicalType(object, path: path)))
            named[name.fullName] = fixed
            return fixed
        case "array":
            guard let items = object["items"] else { throw failure("array needs \"items\"", at: path) }
            return .array(items: try parseType(items, namespace: namespace, path: path + "[]"))
        case "map":
            guard let values = object["values"] else { throw failure("map needs \"values\"", at: path) }
            return .map(values: try parseType(values, namespace: namespace, path: path + "{}"))
        default:
            if let primitive = AvroPrimitive(rawValue: typeName) {
                return .primitive(primitive, logicalType: try logicalType(object, path: path))
            }
            return try namedOrPrimitive(typeName, namespace: namespace, path: path)
        }
    }
}
