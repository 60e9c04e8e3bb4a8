/// The late horizon (`lateHorizonMs`): a closed period takes late events until its end plus the
/// horizon, judged by the partition's watermark (event time, never the wall clock). Past it, its
/// dedup keys are dropped (`expireBeyondHorizon`) and its events are refused with
/// `beyond-late-horizon` (the daemon quarantines them): a copy of an event whose key is gone would
/// otherwise be counted again. Rows and statistics stay — the invoice and its revisions need them.
///
/// The two rules agree because watermarks only grow: `expireBeyondHorizon` uses the lowest
/// watermark of the state's partitions, ingest the event's own partition's, so a period whose keys
/// were dropped refuses every later event of it.
extension PartitionState {
    /// Throws `beyond-late-horizon` when `key` (closed) ended more than `horizonMs` before
    /// `watermarkMs`.
    func refuseBeyondHorizon(_ key: PeriodKey, horizonMs: Int64, watermarkMs: Int64) throws(AggregationError) {
        guard let end = calendar(obID: key.ob)?.end(of: Period(rawValue: key.period)) else { return }
        let (due, overflow) = end.addingReportingOverflow(horizonMs)
        guard !overflow, due <= watermarkMs else { return }
        let ob = strings.string(key.ob)
        let period = Period(rawValue: key.period)
        throw AggregationError(
            .beyondLateHorizon,
            "OB \(ob) period \(period) is closed and past its late horizon (\(horizonMs / 86_400_000) days after "
                + "its end): not billed automatically",
            source: "\(ob) \(period)")
    }

    /// Drops the dedup keys of every closed period past the horizon (once per period) and returns
    /// how many were dropped; nothing without a horizon or before the first event.
    @discardableResult
    package mutating func expireBeyondHorizon() -> Int {
        guard let horizon = lateHorizonMs, let lowest = partitions.map(\.watermarkMs).min(), lowest != .min else {
            return 0
        }
        return expireClosedKeys(retentionMs: horizon, horizonMs: lowest)
    }
}
