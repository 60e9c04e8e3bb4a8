/// When the consumer loop starts the next background checkpoint.
///
/// A checkpoint is due after `everyEvents` messages, or after `interval` once anything was
/// consumed. It starts only while the writer is idle (one batch at a time), and after a failed
/// write (disk full, permissions) not before one more interval has passed: the loop keeps
/// consuming in memory and commits nothing meanwhile, and retrying on every poll would flood
/// the log. A written checkpoint clears the back-off.
struct CheckpointSchedule {
    /// Messages after which a checkpoint is due (`state.checkpoint_interval_events`).
    let everyEvents: Int
    /// Time after which a checkpoint of anything consumed is due, and the back-off after a failure.
    let interval: Duration
    /// Set after a failed write: no checkpoint starts before it.
    private(set) var retryAt: ContinuousClock.Instant?

    init(everyEvents: Int, interval: Duration) {
        self.everyEvents = everyEvents
        self.interval = interval
    }

    /// Whether the configured interval (events or time) has passed since the last checkpoint.
    func isDue(eventsSinceCheckpoint events: Int, lastCheckpoint: ContinuousClock.Instant, now: ContinuousClock.Instant)
        -> Bool
    {
        events >= everyEvents || (events > 0 && now - lastCheckpoint >= interval)
    }

    /// Whether to start a checkpoint now: due, the writer idle, and no back-off pending.
    func shouldStart(
        eventsSinceCheckpoint events: Int, lastCheckpoint: ContinuousClock.Instant, writerBusy: Bool,
        now: ContinuousClock.Instant
    ) -> Bool {
        isDue(eventsSinceCheckpoint: events, lastCheckpoint: lastCheckpoint, now: now)
            && !writerBusy && (retryAt.map { now >= $0 } ?? true)
    }

    /// A checkpoint write failed at `now`: the next one waits one interval.
    mutating func writeFailed(at now: ContinuousClock.Instant) {
        retryAt = now + interval
    }

    /// A checkpoint was written: the back-off is over.
    mutating func written() {
        retryAt = nil
    }
}
