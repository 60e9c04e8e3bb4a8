/// The one error type of the Avro module: a schema, resolution or decoding fault.
///
/// Decoding errors carry the byte offset at which the fault was found, relative to the start of
/// the buffer handed to the decoder (a frame, a container block or a file).
public struct AvroError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// Byte offset of the fault within the decoded buffer, when decoding.
    public var offset: Int?
    /// Where the input came from: a file path, `topic/partition@offset`, a schema name.
    public var source: String?

    public init(_ code: Code, _ message: String, offset: Int? = nil, source: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.source = source
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let offset { text += " at byte \(offset)" }
        if let source { text += " in \(source)" }
        return text
    }
}
