import Aggregation
import KafkaBridge
import Logging
import Prometheus

/// One run of the consumer loop on the consumer thread, as named steps: poll and ingest,
/// collect written checkpoints and commit their offsets, start the next checkpoint, the
/// scale-out close tail, closes, and a housekeeping tick; then the final checkpoint, commit and
/// leave. Everything here is confined to the consumer thread.
final class ConsumerLoop {
    /// What one run of the loop is made of, made by `ConsumerService.loop` on the consumer thread.
    struct Parts {
        var engine: BillingEngine
        var consumer: any PartitionConsumer
        var handover: PartitionHandover
        var committer: OffsetCommitter
        var closer: PeriodCloser
    }

    let settings: ConsumerService.Settings
    let control: ConsumerControl
    let status: DaemonStatus
    let notifier: SystemdNotifier
    let metrics: DaemonMetrics
    let logger: Logger
    let engine: BillingEngine
    let consumer: any PartitionConsumer
    let handover: PartitionHandover
    let committer: OffsetCommitter
    let closer: PeriodCloser

    private(set) var schedule: CheckpointSchedule
    /// Watchdog, lag, broker probe and commit retry.
    private var housekeeping: Every
    /// When the heap is trimmed after a burst (at a housekeeping tick).
    private var idleTrim = IdleTrim()
    /// Scale-out: how often the close requests of other closers are read (`+Closes`).
    var closeTail: Every
    var autoClose: Every
    /// Whether READY was sent to systemd (`+Closes`).
    var readySent = false
    /// Whether interrupted closes were resumed (`+Closes`).
    var resumed = false
    /// When each paused partition is next checked (`+Pauses`).
    var pauseChecks: [PartitionKey: PauseCheck] = [:]

    init(service: ConsumerService, parts: Parts, start: ContinuousClock.Instant = .now) {
        settings = service.settings
        control = service.control
        status = service.status
        notifier = service.notifier
        metrics = service.metrics
        logger = service.logger
        engine = parts.engine
        consumer = parts.consumer
        handover = parts.handover
        committer = parts.committer
        closer = parts.closer
        schedule = CheckpointSchedule(
            everyEvents: engine.settings.checkpointEveryEvents, interval: engine.settings.checkpointInterval)
        housekeeping = Every(.seconds(2), from: start)
        closeTail = Every(.milliseconds(200), from: start)
        autoClose = Every(settings.autoCloseCheckEvery, from: start)
    }

    /// Runs until a stop is requested, then makes everything durable and leaves the group.
    func run() throws {
        while !control.stopRequested {
            try step(now: nil)
        }
        try checkpointCommitAndLeaveGroup()
    }

    /// One pass of the loop. The timed steps see `fixed`, or the clock read after the poll when
    /// nil (the daemon); tests pass instants to exercise the tick and the back-off without waiting.
    func step(now fixed: ContinuousClock.Instant?) throws {
        try handover.rethrowFailure()
        try ingestNextBatch()
        let now = fixed ?? ContinuousClock.now
        managePauses(now)
        housekeepingIfDue(now)
        collectCheckpoints(engine.writer.takeCompleted(), now: now)
        try startCheckpointIfDue(now)
        applyRemoteClosesIfDue(now)
        try resumeInterruptedClosesOnce()
        sendReadyOnce()
        serveCloseRequests()
        autoCloseIfDue(now)
        publishPreviewIfDue(now)
    }

    /// Polls up to 100 ms and decodes and counts what came (rebalance callbacks run in here).
    func ingestNextBatch() throws {
        let engine = self.engine
        let polled = try consumer.pollBatches(maxMessages: 50_000, timeoutMs: 100) { messages in
            try engine.handle(batch: messages)
        }
        if polled > 0 { idleTrim.sawActivity() }
        engine.flushMetrics()
    }

    /// Every 2 s: systemd watchdog, late-horizon expiry, lag gauges, broker probe while all are
    /// down, commit retry.
    ///
    /// The watchdog ping comes from here so that it proves the consumer is alive. No step of the
    /// loop blocks for long: polls are bounded (100 ms), checkpoints are written on their own
    /// thread, invoices are priced, written and delivered on theirs (`InvoiceIssuingService`).
    /// The only fsyncs on this thread are the checkpoints of a close's freeze (and of a
    /// scale-out close request), plus the close journals, and the final checkpoint at stop.
    func housekeepingIfDue(_ now: ContinuousClock.Instant) {
        guard housekeeping.fire(now) else { return }
        notifier.watchdog()
        engine.expireBeyondHorizon()
        if idleTrim.tick() { HeapTrim.returnFreedMemory() }
        updateLag()
        if consumer.allBrokersDown { consumer.probeBrokers(timeoutMs: 500) }
        let reachable = !consumer.allBrokersDown
        status.update { $0.brokerReachable = reachable }
        committer.retryPending()
    }

    /// Takes the outcome of background checkpoints and commits the offsets they made durable.
    func collectCheckpoints(_ completions: [CheckpointWriter.Completion], now: ContinuousClock.Instant) {
        for done in completions {
            idleTrim.sawActivity()  // a base's encode buffers were just freed
            if let error = done.error {
                // Disk full, permissions: keep consuming in memory, commit nothing, and retry
                // after one checkpoint interval (not on every poll, which would flood the log).
                engine.markDirty(done.failed)
                status.update { $0.checkpointWritable = false }
                schedule.writeFailed(at: now)
                logger.error("checkpoint failed; offsets are not committed", metadata: ["error": "\(error)"])
            } else if done.bytes > 0 {
                status.update { $0.checkpointWritable = true }
                schedule.written()
            }
            committer.commit(done.durable)
        }
    }

    /// Starts a checkpoint when the schedule says so.
    func startCheckpointIfDue(_ now: ContinuousClock.Instant) throws {
        if schedule.shouldStart(
            eventsSinceCheckpoint: engine.eventsSinceCheckpoint, lastCheckpoint: engine.lastCheckpoint,
            writerBusy: engine.writer.busy, now: now)
        {
            // Written on the checkpoint thread; consumption goes on meanwhile.
            do {
                try engine.checkpointInBackground()
            } catch let error as DaemonError where error.code == .quarantine {
                quarantineFailed(error, now: now)
                return
            }
            if !status.snapshot.quarantineWritable {
                status.update { $0.quarantineWritable = true }
                logger.notice("quarantine file writable again")
            }
        }
    }

    /// The quarantine could not be appended to (disk full): like a failed checkpoint, nothing
    /// is committed, the partitions stay changed, and it is retried after one interval. The
    /// records stay in memory (`managePauses` pauses everything while they exceed the bound).
    func quarantineFailed(_ error: DaemonError, now: ContinuousClock.Instant) {
        status.update { $0.quarantineWritable = false }
        schedule.writeFailed(at: now)
        logger.error(
            "quarantine append failed; no checkpoint, offsets are not committed; retried",
            metadata: ["error": "\(error)", "backlog_bytes": "\(engine.quarantine.pendingBytes)"])
    }

    /// Graceful stop: everything consumed becomes durable and committed, then leave the group.
    func checkpointCommitAndLeaveGroup() throws {
        status.update { $0.stopping = true }
        var durable: [PartitionKey: Int64] = [:]
        do {
            durable = try engine.checkpoint()
        } catch let error as DaemonError where error.code == .quarantine {
            // Disk full at stop: nothing past the last checkpoint is committed, so the next
            // start reads (and quarantines) those messages again. Not a reason to fail the stop.
            logger.error(
                "quarantine unwritable at stop; the last checkpoint holds the offsets", metadata: ["error": "\(error)"])
        }
        do { try consumer.commit(durable) } catch {
            logger.warning(
                "final offset commit failed; the checkpoint holds the offsets", metadata: ["error": "\(error)"])
        }
        try consumer.close()
        logger.notice("consumer stopped", metadata: ["partitions": "\(engine.slots.count)"])
    }
}
