/// A quarantine line that is not a record: why, or `file:line: why` once located.
struct QuarantineLineError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
