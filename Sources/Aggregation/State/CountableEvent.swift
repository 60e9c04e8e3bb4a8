/// An event `PartitionState` counts, with the two halves of `ingest` for its kind, so that the
/// batched ingest is specialized per kind and calls them directly (no closure per event).
/// Conformances: `AuditEvent+Counting.swift`, `GatewayEvent+Counting.swift`.
protocol CountableEvent {
    /// First half of `ingest`: interns the event's strings, places it in its period and local
    /// day, and fingerprints its key. Counts nothing.
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError)
        -> PartitionState.Prepared
    /// Second half of `ingest`: dedup, statistics and the event's row.
    static func commit(
        _ event: Self, _ prepared: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome
}
