/// A fixed type: a name and a byte size, with its logical type annotation if any.
package struct AvroFixedSchema: Sendable, Equatable {
    package var name: AvroName
    package var aliases: [String]
    package var size: Int
    package var logicalType: AvroLogicalType?

    package init(name: AvroName, aliases: [String] = [], size: Int, logicalType: AvroLogicalType? = nil) {
        self.name = name
        self.aliases = aliases
        self.size = size
        self.logicalType = logicalType
    }
}
