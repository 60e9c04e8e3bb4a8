/// One problem found in a catalog or configuration file, with its position.
public struct CatalogProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based line, or 0 when the problem concerns the whole file.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { "\(file):\(line): \(message)" }
}
