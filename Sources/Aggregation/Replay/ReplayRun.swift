/// The progress of one `ReplayRunner` run over its files: the state, the close bookkeeping, and
/// when the next checkpoint and progress line are due.
struct ReplayRun {
    var state: PartitionState
    let options: ReplayRunner.Options
    let store: CheckpointStore?
    /// Every file is a partition; files not started yet hold close readiness back.
    let allFiles: [PartitionKey]
    /// Files read to their end: idle for good (they send nothing more).
    var finished: Set<String> = []
    /// Records processed (counted, dropped or quarantined) this run.
    var processed = 0
    private var sinceCheckpoint = 0
    private var lastCheckpoint = ContinuousClock.now
    private var progressReported = 0
    /// The close check runs again when the statistics gain a row or the watermark reaches this.
    private var statsSeen = -1
    private var closeDue = Int64.min

    init(state: PartitionState, options: ReplayRunner.Options, store: CheckpointStore?, files: [String]) {
        self.state = state
        self.options = options
        self.store = store
        self.allFiles = files.map { PartitionKey(topic: $0, partition: 0) }
    }

    /// Closes what is ready with `graceMs` after an event of `source`, as a record-by-record
    /// replay does after each record (cheap unless a close may be due).
    @inline(__always)
    mutating func closeIfDue(source: Int, graceMs: Int64) {
        guard state.stats.count != statsSeen || state.partitions[source].watermarkMs >= closeDue else { return }
        let finished = self.finished
        state.closeReadyPeriods(
            graceMs: graceMs, nowMs: .max, assigned: allFiles, isIdle: { finished.contains($0.topic) })
        statsSeen = state.stats.count
        closeDue = state.nextCloseDueMs(graceMs: graceMs)
    }

    /// Accounts for `records` processed by a block.
    mutating func advance(by records: Int) {
        processed += records
        sinceCheckpoint += records
    }

    /// Whether this run's records reached another multiple of the progress step since the last
    /// progress line.
    mutating func progressDue(every step: Int) -> Bool {
        let reached = processed / step
        guard reached > progressReported else { return false }
        progressReported = reached
        return true
    }

    /// Checkpoints when the record or time trigger of the options is due (call between blocks).
    mutating func checkpointIfDue() throws(AggregationError) {
        guard store != nil, sinceCheckpoint > 0 else { return }
        let byRecords = options.checkpointEveryRecords.map { sinceCheckpoint >= $0 } ?? false
        let byTime =
            options.checkpointIntervalSeconds.map { lastCheckpoint.duration(to: .now) >= .seconds($0) } ?? false
        if byRecords || byTime { try checkpoint() }
    }

    /// Checkpoints when anything was processed since the last checkpoint (after each file).
    mutating func checkpointIfDirty() throws(AggregationError) {
        if store != nil && sinceCheckpoint > 0 { try checkpoint() }
    }

    private mutating func checkpoint() throws(AggregationError) {
        guard let store else { return }
        try store.save(&state)
        sinceCheckpoint = 0
        lastCheckpoint = .now
    }
}
