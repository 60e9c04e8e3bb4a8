/// The one error type of the Aggregation module: malformed event fields, damaged or
/// incompatible checkpoints, and state-directory faults.
public struct AggregationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// Where the fault came from: a file path, a field name, `topic/partition@offset`.
    public var source: String?

    public init(_ code: Code, _ message: String, source: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
    }

    public var description: String {
        source.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }
}
