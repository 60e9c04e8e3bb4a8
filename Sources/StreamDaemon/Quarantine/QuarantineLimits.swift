/// The size bounds of the quarantine (`quarantine.max_file_bytes`, `quarantine.max_files`,
/// `quarantine.max_value_bytes`; docs/operations.md "The quarantine").
package struct QuarantineLimits: Sendable, Equatable {
    /// The active segment is rotated before an append would take it past this size.
    package var maxFileBytes: Int
    /// Segments (active + rotated) kept before the oldest fully requeued ones are deleted.
    /// Segments holding a record not yet requeued are never deleted: past the bound the
    /// quarantine keeps growing, logged, counted and alerted on (`aura_quarantine_bytes`).
    package var maxFiles: Int
    /// Values longer than this are stored truncated, with their length and SHA-256.
    package var maxValueBytes: Int

    package init(maxFileBytes: Int = 64 << 20, maxFiles: Int = 16, maxValueBytes: Int = 1 << 20) {
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
        self.maxValueBytes = maxValueBytes
    }

    /// 64 MiB segments, 16 of them, values up to 1 MiB.
    package static let standard = QuarantineLimits()
}
