/// The one error type of the Invoicing module: catalog, pricing, workbook and delivery faults.
public struct InvoicingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// Where the fault came from: `file:line`, a blob URL, an OB and period.
    public var source: String?

    public init(_ code: Code, _ message: String, source: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
    }

    public var description: String {
        source.map { "\($0): \(code): \(message)" } ?? "\(code): \(message)"
    }
}
