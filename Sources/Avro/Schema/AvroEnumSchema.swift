/// An enum type: a name and its symbols, with an optional default symbol for resolution.
package struct AvroEnumSchema: Sendable, Equatable {
    package var name: AvroName
    package var aliases: [String]
    package var symbols: [String]
    /// The symbol a reader uses for writer symbols it does not know.
    package var defaultSymbol: String?

    package init(name: AvroName, aliases: [String] = [], symbols: [String], defaultSymbol: String? = nil) {
        self.name = name
        self.aliases = aliases
        self.symbols = symbols
        self.defaultSymbol = defaultSymbol
    }
}
