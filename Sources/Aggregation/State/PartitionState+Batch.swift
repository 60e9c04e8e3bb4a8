extension PartitionState {
    /// Events per prefetch round of the batched `ingest`: enough to overlap that many dedup-table
    /// cache misses, few enough that the prefetched lines (two per event) stay in L1/L2.
    static let batchRound = 32

    /// Counts `events` of partition `source`, in order, exactly as calling `ingest(_:source:)` on
    /// each in turn would, but faster on a large state: it places and fingerprints a round of
    /// events first and prefetches their dedup-table slots, so the cache misses of the round
    /// overlap instead of stalling one event at a time.
    ///
    /// The events' buffers must stay valid for the whole call (e.g. every message of one poll
    /// kept alive until it returns; every record of one container-file block).
    /// - Parameter outcomes: replaced by one entry per event, in order: what `ingest` did, or the
    ///   error for which nothing of that event was counted (quarantine that message). The caller
    ///   then records progress as it would after single `ingest`s: `markConsumed` with the
    ///   highest offset, `recordQuarantined` for each failure.
    package mutating func ingest(
        _ events: [AuditEvent], source: Int, outcomes: inout [Result<Outcome, AggregationError>]
    ) {
        ingestBatch(events, source: source, outcomes: &outcomes,
                    prepare: { state, event throws(AggregationError) in try state.prepare(event) },
                    commit: { state, event, p throws(AggregationError) in try state.commit(event, p, source: source) })
    }

    /// Counts gateway messages in batches (see the audit overload).
    package mutating func ingest(
        _ events: [GatewayEvent], source: Int, outcomes: inout [Result<Outcome, AggregationError>]
    ) {
        ingestBatch(events, source: source, outcomes: &outcomes,
                    prepare: { state, event throws(AggregationError) in try state.prepare(event) },
                    commit: { state, event, p throws(AggregationError) in try state.commit(event, p, source: source) })
    }

    /// The two-phase loop shared by both batch overloads: per round, `prepare` every event
    /// (prefetching its slot), then `commit` them in order.
    private mutating func ingestBatch<Event>(
        _ events: [Event], source: Int, outcomes: inout [Result<Outcome, AggregationError>],
        prepare: (inout PartitionState, Event) throws(AggregationError) -> Prepared,
        commit: (inout PartitionState, Event, Prepared) throws(AggregationError) -> Outcome
    ) {
        precondition(partitions.indices.contains(source), "source must come from source(_:)")  // programming error
        outcomes.removeAll(keepingCapacity: true)
        outcomes.reserveCapacity(events.count)
        var prepared = [Result<Prepared, AggregationError>]()
        prepared.reserveCapacity(Swift.min(events.count, Self.batchRound))
        var start = 0
        while start < events.count {
            let end = Swift.min(start + Self.batchRound, events.count)
            // No resize during the round: every slot prefetched below stays the one probed.
            dedup.makeRoom(additional: end - start)
            prepared.removeAll(keepingCapacity: true)
            for i in start..<end {
                do throws(AggregationError) {
                    let p = try prepare(&self, events[i])
                    dedup.prefetch(p.fp)
                    prepared.append(.success(p))
                } catch {
                    prepared.append(.failure(error))
                }
            }
            for i in start..<end {
                switch prepared[i - start] {
                case .success(let p):
                    do throws(AggregationError) {
                        outcomes.append(.success(try commit(&self, events[i], p)))
                    } catch {
                        outcomes.append(.failure(error))
                    }
                case .failure(let error):
                    outcomes.append(.failure(error))
                }
            }
            start = end
        }
    }
}
