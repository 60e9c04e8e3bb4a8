#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension AvroSchema {
    /// Parses .avsc JSON; `source` (file path / name) goes into errors.
    package static func parse(json: String, source: String) throws(AvroError) -> AvroSchema {
        var jsonParser = JSONParser(json, source: source)
        let document = try jsonParser.parseDocument()
        var parser = SchemaParser(source: source)
        let root = try parser.parseType(document, namespace: nil, path: "")
        return AvroSchema(root: root, namedTypes: parser.named, source: source)
    }

    /// Reads and parses an .avsc file.
    package static func parse(file path: String) throws(AvroError) -> AvroSchema {
        let bytes = try FileContents.read(path: path, limit: 64 << 20)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AvroError(.schemaParse, "schema file is not UTF-8", source: path)
        }
        return try parse(json: text, source: path)
    }
}
