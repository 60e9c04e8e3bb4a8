/// A logical type annotation (`logicalType` plus its attributes such as `precision`), kept as is:
/// decoding reads the underlying type.
package struct AvroLogicalType: Sendable, Equatable {
    package var name: String
    /// The other attributes of the annotated type object (e.g. `precision`, `scale`).
    package var attributes: [String: AvroJSON]

    package init(name: String, attributes: [String: AvroJSON] = [:]) {
        self.name = name
        self.attributes = attributes
    }
}
