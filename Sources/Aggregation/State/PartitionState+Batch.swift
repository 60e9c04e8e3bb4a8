internal import CAuraPrefetch

extension PartitionState {
    /// How many events ahead of the one being counted the batched `ingest` prepares events and
    /// prefetches their dedup slots (a power of two): enough to cover a memory access (a page
    /// walk included) with the work of the events in between, few enough that the prefetched
    /// lines stay in L1/L2. Row slots are read, and rows prefetched, half as far ahead.
    static let prefetchDistance = 16

    /// Counts `events` of partition `source`, in order, with the same outcomes, aggregates,
    /// statistics and dedup set as calling `ingest(_:source:)` on each in turn (interned string
    /// ids may be numbered in another order), but faster on a large state: it works a few
    /// events ahead (interning, placing, fingerprinting) and prefetches their dedup-table slots
    /// and aggregate rows, so the cache misses of consecutive events overlap instead of
    /// stalling one event at a time.
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
        ingestBatch(events, source: source, outcomes: &outcomes)
    }

    /// Counts gateway messages in batches (see the audit overload).
    package mutating func ingest(
        _ events: [GatewayEvent], source: Int, outcomes: inout [Result<Outcome, AggregationError>]
    ) {
        ingestBatch(events, source: source, outcomes: &outcomes)
    }

    /// The software pipeline shared by both batch overloads. At step `i`: commit event
    /// `i - distance` (its slot and row are in cache by now), prepare event `i` and prefetch its
    /// dedup slot and row-index slot, and prefetch the row of event `i - distance / 2` (whose
    /// row-index slot arrived meanwhile).
    private mutating func ingestBatch<Event: CountableEvent>(
        _ events: [Event], source: Int, outcomes: inout [Result<Outcome, AggregationError>]
    ) {
        precondition(partitions.indices.contains(source), "source must come from source(_:)")  // programming error
        outcomes.removeAll(keepingCapacity: true)
        outcomes.reserveCapacity(events.count)
        let n = events.count
        guard n > 0 else { return }
        // No resize during the batch: every dedup slot prefetched below stays the one probed.
        dedup.makeRoom(additional: n)
        let distance = Self.prefetchDistance
        let mask = distance - 1
        var ring = [Prepared](repeating: Prepared(), count: distance)
        var errors: [AggregationError] = []  // of failed prepares, in event order
        var nextError = 0
        for i in 0..<(n + distance) {
            if i >= distance {
                let j = i - distance
                let p = ring[j & mask]
                if p.failed {
                    outcomes.append(.failure(errors[nextError]))
                    nextError += 1
                } else {
                    do throws(AggregationError) {
                        outcomes.append(.success(try Event.commit(events[j], p, source: source, in: &self)))
                    } catch {
                        outcomes.append(.failure(error))
                    }
                }
            }
            if i < n {
                do throws(AggregationError) {
                    let p = try Event.prepare(events[i], in: &self)
                    dedup.prefetch(p.fp)
                    if p.isGateway {
                        gatewayIndex.prefetchSlot(hash: p.rowHash)
                    } else {
                        auditIndex.prefetchSlot(hash: p.rowHash)
                    }
                    ring[i & mask] = p
                } catch {
                    errors.append(error)
                    ring[i & mask] = Prepared(failed: true)
                }
            }
            let k = i - distance / 2
            if k >= 0 && k < n {
                let p = ring[k & mask]
                if !p.failed { prefetchRow(p) }
            }
        }
    }

    /// Prefetches the row an on-time event most likely counts into (a hint: `auditRow` and
    /// `gatewayRow` find the actual row).
    @inline(__always)
    private func prefetchRow(_ p: Prepared) {
        // Prefetching never dereferences; `row` indexes the array it came from (row indexes
        // only hold rows of their array) and the pointers stay in these closures.
        if p.isGateway {
            guard let row = gatewayIndex.candidate(hash: p.rowHash), row < gatewayRows.count else { return }
            gatewayRows.withUnsafeBufferPointer { aura_prefetch($0.baseAddress! + row) }
        } else {
            guard let row = auditIndex.candidate(hash: p.rowHash), row < auditRows.count else { return }
            auditRows.withUnsafeBufferPointer { aura_prefetch($0.baseAddress! + row) }
        }
    }
}
