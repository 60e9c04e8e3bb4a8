/// Writer schemas from local .avsc files mapped to ids in the configuration.
package struct LocalSchemaFiles: WriterSchemaSource {
    private let schemas: [Int32: AvroSchema]

    /// Parses every file of the id → .avsc path map now, so a bad file fails at startup.
    package init(paths: [Int32: String]) throws(AvroError) {
        var schemas: [Int32: AvroSchema] = [:]
        for (id, path) in paths {
            schemas[id] = try AvroSchema.parse(file: path)
        }
        self.schemas = schemas
    }

    /// Schemas already parsed, by id.
    package init(schemas: [Int32: AvroSchema]) {
        self.schemas = schemas
    }

    package func schema(id: Int32) throws(AvroError) -> AvroSchema {
        guard let schema = schemas[id] else {
            throw AvroError(.unknownSchemaID, "schema id \(id) is not in the configured schema files")
        }
        return schema
    }
}
