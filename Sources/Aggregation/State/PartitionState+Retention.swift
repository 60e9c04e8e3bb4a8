/// The late horizon (`lateHorizonMs`): a closed period takes late events until its end plus the
/// horizon, judged by the partition's watermark (event time, never the wall clock). Past it, its
/// dedup keys are dropped (`expireBeyondHorizon`) and its events are refused with
/// `beyond-late-horizon` (the daemon quarantines them): a copy of an event whose key is gone would
/// otherwise be counted again. Its rows and statistics are compacted away in the same pass
/// (`PartitionState+Compaction.swift`): its invoice is issued and is not rendered again.
///
/// The two rules agree because watermarks only grow: `expireBeyondHorizon` uses the lowest
/// watermark of the state's partitions, ingest the event's own partition's, so a period whose keys
/// were dropped refuses every later event of it.
extension PartitionState {
    /// Throws `beyond-late-horizon` when `key` (closed) ended more than `horizonMs` before
    /// `watermarkMs`.
    func refuseBeyondHorizon(_ key: PeriodKey, horizonMs: Int64, watermarkMs: Int64) throws(AggregationError) {
        guard let end = calendar(obID: key.ob)?.end(of: Period(rawValue: key.period)) else { return }
        guard Self.isPast(endMs: end, horizonMs: horizonMs, watermarkMs: watermarkMs) else { return }
        let ob = strings.string(key.ob)
        let period = Period(rawValue: key.period)
        throw AggregationError(
            .beyondLateHorizon,
            "OB \(ob) period \(period) is closed and past its late horizon (\(horizonMs / 86_400_000) days after "
                + "its end): not billed automatically",
            source: "\(ob) \(period)")
    }

    /// Whether a period ending at `endMs` is past its end plus `horizonMs` at `watermarkMs`
    /// (never when the sum overflows).
    static func isPast(endMs: Int64, horizonMs: Int64, watermarkMs: Int64) -> Bool {
        let (due, overflow) = endMs.addingReportingOverflow(horizonMs)
        return !overflow && due <= watermarkMs
    }

    /// Whether (ob, period) is closed and past its end plus `horizonMs` by the *highest*
    /// watermark of this state's partitions: some partition may have compacted it, so an invoice
    /// built from this (merged) state would miss its detail. Closers refuse such a period.
    package func isBeyondLateHorizon(ob: String, period: Period, horizonMs: Int64) -> Bool {
        guard let id = strings.lookup(ob), isClosed(PeriodKey(ob: id, period: period.rawValue)),
            let end = periodEnd(ob: ob, period: period),
            let highest = partitions.map(\.watermarkMs).max(), highest != .min
        else { return false }
        return Self.isPast(endMs: end, horizonMs: horizonMs, watermarkMs: highest)
    }

    /// Every closed (OB, period) of `period` (marked one by one, or through a later period).
    package func closedOBs(in period: Period) -> [String] {
        var obs = Set(closed.filter { $0.period == period.rawValue }.map(\.ob))
        for (ob, through) in closedThrough where period.rawValue <= through { obs.insert(ob) }
        return obs.map { strings.string($0) }.sorted()
    }

    /// Retires every closed period past the horizon (once per period): drops its dedup keys and
    /// compacts its rows; returns how many keys were dropped; nothing without a horizon or
    /// before the first event.
    @discardableResult
    package mutating func expireBeyondHorizon() -> Int {
        guard let horizon = lateHorizonMs, let lowest = partitions.map(\.watermarkMs).min(), lowest != .min else {
            return 0
        }
        return expireClosedKeys(retentionMs: horizon, horizonMs: lowest)
    }
}
