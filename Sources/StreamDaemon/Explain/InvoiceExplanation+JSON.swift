package import Foundation

extension InvoiceExplanation {
    /// The explanation as JSON: snake_case keys, sorted, a final newline.
    package func json(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Parses what `json(pretty:)` writes (the CLI reads the daemon's answer with it).
    package static func decode(_ data: Data) throws -> InvoiceExplanation {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(InvoiceExplanation.self, from: data)
    }
}
