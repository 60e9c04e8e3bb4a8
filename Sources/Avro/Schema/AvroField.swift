/// One field of a record.
package struct AvroField: Sendable, Equatable {
    package var name: String
    package var type: AvroType
    /// The field's default value (JSON), used when a writer lacks the field.
    package var defaultValue: AvroJSON?
    package var aliases: [String]

    package init(name: String, type: AvroType, defaultValue: AvroJSON? = nil, aliases: [String] = []) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.aliases = aliases
    }
}
