/// Which quarantine records a `aura-billing quarantine` command works on; every criterion given
/// must hold. Records of older daemons have no `quarantined_at`: a time range excludes them.
package struct QuarantineFilter: Sendable, Equatable {
    /// Any of these reasons (empty: any).
    package var reasons: Set<String> = []
    package var topic: String?
    package var partition: Int32?
    /// Quarantined at or after (Unix ms).
    package var sinceMs: Int64?
    /// Quarantined before (Unix ms).
    package var untilMs: Int64?

    package init(
        reasons: Set<String> = [], topic: String? = nil, partition: Int32? = nil, sinceMs: Int64? = nil,
        untilMs: Int64? = nil
    ) {
        self.reasons = reasons
        self.topic = topic
        self.partition = partition
        self.sinceMs = sinceMs
        self.untilMs = untilMs
    }

    /// Whether `record` is selected.
    package func matches(_ record: QuarantineRecord) -> Bool {
        if !reasons.isEmpty, !reasons.contains(record.reason) { return false }
        if let topic, record.topic != topic { return false }
        if let partition, record.partition != partition { return false }
        if sinceMs != nil || untilMs != nil {
            guard let at = record.quarantinedAtMs else { return false }
            if let sinceMs, at < sinceMs { return false }
            if let untilMs, at >= untilMs { return false }
        }
        return true
    }
}
