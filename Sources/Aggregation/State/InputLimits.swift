/// Bounds on what event input can make a partition state hold (docs/operations.md, "Input
/// limits"). Checked before anything of an event is interned or counted, with byte comparisons
/// only: a refused event is an `AggregationError` naming the field, and its message is
/// quarantined with that code as the reason.
package struct InputLimits: Sendable, Equatable {
    /// Longest id or name field, in bytes: `INTERACTION_ID` / `MESSAGE_ID`, `AURA_COMPONENT_ID`,
    /// `AURA_APP_ID`. Real ids are UUIDs (36 bytes) and slugs of a few dozen bytes.
    package static let maxIDBytes = 256
    /// Default of `maxRows` (`limits.max_rows_per_partition`): real data has about 12 OBs × 40
    /// apps × 50 components per month (docs/performance.md benchmarks 100k rows per state).
    package static let defaultMaxRows = 1_000_000

    /// Most distinct aggregate rows (audit and gateway together) per state: an event that needs
    /// a new row beyond it is refused (`.tooManyRows`); existing rows keep counting.
    package var maxRows: Int
    /// Most distinct interned strings per state (OB codes, component and app ids): by default
    /// `maxRows`, since a string is interned for a row. With `maxIDBytes` it bounds the arena.
    package var maxStrings: Int

    /// - Parameters:
    ///   - maxRows: clamped to 1...`DedupRef.maxRows - 1` (dedup references address rows in 25 bits).
    ///   - maxStrings: `maxRows` when nil; clamped to 1...`InternTable.maxCount`.
    package init(maxRows: Int = Self.defaultMaxRows, maxStrings: Int? = nil) {
        self.maxRows = min(max(1, maxRows), DedupRef.maxRows - 1)
        self.maxStrings = min(max(1, maxStrings ?? maxRows), InternTable.maxCount)
    }

    /// Whether `bytes` is an OB code: exactly three ASCII capital letters (ISO 3166 alpha-3).
    @inline(__always)
    package static func isOBCode(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == 3 else { return false }
        return (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0])
            && (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[1])
            && (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[2])
    }

    /// Whether `text` is an OB code (see the bytes overload; for strings off the hot path).
    package static func isOBCode(_ text: String) -> Bool {
        var text = text
        // The UTF-8 view is read within the closure only.
        return text.withUTF8 { isOBCode(UnsafeRawBufferPointer($0)) }
    }

    /// Throws `.badOBCode` unless `bytes` is an OB code (`field` names it in the error).
    @inline(__always)
    package static func checkOB(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError) {
        guard isOBCode(bytes) else { throw badOB(bytes, field: field) }
    }

    /// Throws `.fieldTooLong` when `bytes` is longer than `maxIDBytes`.
    @inline(__always)
    package static func checkID(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError) {
        guard bytes.count <= maxIDBytes else { throw tooLong(bytes.count, field: field) }
    }

    /// Throws `.fieldTooLong` when `bytes` is present and longer than `maxIDBytes`.
    @inline(__always)
    package static func checkID(_ bytes: UnsafeRawBufferPointer?, field: StaticString) throws(AggregationError) {
        if let bytes { try checkID(bytes, field: field) }
    }

    @inline(never)
    private static func badOB(_ bytes: UnsafeRawBufferPointer, field: StaticString) -> AggregationError {
        let shown = bytes.prefix(16).map { (32..<127).contains($0) ? String(UnicodeScalar($0)) : "?" }.joined()
        return AggregationError(
            .badOBCode, "\(field) is not three ASCII capital letters (\(bytes.count) bytes: \"\(shown)\")",
            source: "\(field)")
    }

    @inline(never)
    private static func tooLong(_ count: Int, field: StaticString) -> AggregationError {
        AggregationError(
            .fieldTooLong, "\(field) has \(count) bytes, more than the limit of \(maxIDBytes)", source: "\(field)")
    }
}
