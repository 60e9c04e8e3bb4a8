/// Where writer schemas come from, by id.
package protocol WriterSchemaSource: Sendable {
    /// The writer schema registered under `id`; throws `unknownSchemaID` when there is none.
    func schema(id: Int32) throws(AvroError) -> AvroSchema
}
