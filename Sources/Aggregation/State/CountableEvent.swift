/// An event `PartitionState` counts, with the two halves of `ingest` for its kind, so that the
/// batched ingest is specialized per kind and calls them directly (no closure per event).
protocol CountableEvent {
    /// `PartitionState.prepare` for this kind.
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError) -> PartitionState.Prepared
    /// `PartitionState.commit` for this kind.
    static func commit(
        _ event: Self, _ prepared: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome
}

extension AuditEvent: CountableEvent {
    @inline(__always)
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError) -> PartitionState.Prepared {
        try state.prepare(event)
    }

    @inline(__always)
    static func commit(
        _ event: Self, _ prepared: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome {
        try state.commit(event, prepared, source: source)
    }
}

extension GatewayEvent: CountableEvent {
    @inline(__always)
    static func prepare(_ event: Self, in state: inout PartitionState) throws(AggregationError) -> PartitionState.Prepared {
        try state.prepare(event)
    }

    @inline(__always)
    static func commit(
        _ event: Self, _ prepared: PartitionState.Prepared, source: Int, in state: inout PartitionState
    ) throws(AggregationError) -> PartitionState.Outcome {
        try state.commit(event, prepared, source: source)
    }
}
