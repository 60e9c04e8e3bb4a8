/// A record type: a name and ordered fields.
package struct AvroRecordSchema: Sendable, Equatable {
    package var name: AvroName
    package var aliases: [String]
    package var fields: [AvroField]

    package init(name: AvroName, aliases: [String] = [], fields: [AvroField]) {
        self.name = name
        self.aliases = aliases
        self.fields = fields
    }

    /// The index of the field with this name, nil when absent.
    package func fieldIndex(named fieldName: String) -> Int? {
        fields.firstIndex { $0.name == fieldName }
    }
}
