import Aggregation
import Avro
import Foundation
import Invoicing
import KafkaBridge
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The consumer: joins the group, and on its own thread polls, decodes, aggregates,
/// checkpoints, commits, and runs closes. Stops on graceful shutdown with a final checkpoint
/// and commit.
final class ConsumerService: Service, Sendable {
    struct Settings: Sendable {
        var consumerProperties: [String: String]
        var topics: [String]
        var graceMs: Int64
        var autoClose: Bool
        var autoCloseCheckEvery: Duration = .seconds(30)
        var invoicesDir: String
        /// The "closed at" instant of new closes (ms since the epoch) instead of the wall clock.
        var pinnedClosedAtMs: Int64? = nil
        /// Supplies OAUTHBEARER tokens when the brokers need SASL_SSL.
        var tokenProvider: OAuthTokenFetcher?
    }

    let settings: Settings
    let control: ConsumerControl
    let status: DaemonStatus
    let notifier: SystemdNotifier
    let metrics: DaemonMetrics
    let logger: Logger
    /// Builds the engine and closer on the consumer thread (they are confined to it).
    let makeEngine: @Sendable () throws -> BillingEngine
    let context: InvoicingContext
    let delivery: InvoiceDelivery?

    init(settings: Settings, control: ConsumerControl, status: DaemonStatus, notifier: SystemdNotifier, metrics: DaemonMetrics,
         context: InvoicingContext, delivery: InvoiceDelivery?, logger: Logger, makeEngine: @escaping @Sendable () throws -> BillingEngine) {
        self.settings = settings
        self.control = control
        self.status = status
        self.notifier = notifier
        self.metrics = metrics
        self.context = context
        self.delivery = delivery
        self.logger = logger
        self.makeEngine = makeEngine
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await DedicatedThread.run(name: "aura-consumer") { [self] in
                defer { control.finish() }
                try self.loop()
            }
        } onGracefulShutdown: { [control, notifier] in
            notifier.stopping(status: "stopping: final checkpoint")
            control.requestStop()
        }
    }

    /// The poll loop (consumer thread).
    private func loop() throws {
        let engine = try makeEngine()
        defer { engine.shutdown() }
        // Rebalance callbacks run inside poll on this thread; the box only carries the engine
        // and the consumer into librdkafka's C callback, it is never used from another thread.
        let box = ThreadConfined(engine: engine)
        let failure = Mutex<(any Error)?>(nil)
        let logger = self.logger
        let status = self.status
        let consumer = try KafkaConsumer(
            properties: settings.consumerProperties,
            rebalance: RebalanceHandler(
                onAssign: { partitions in
                    do {
                        let committed = try box.consumer?.committed(partitions, timeoutMs: 10_000) ?? [:]
                        let starts = try box.engine.assign(partitions, committed: committed)
                        status.update { $0.assigned = box.engine.assigned; $0.stateLoaded = true }
                        return starts
                    } catch {
                        logger.critical("cannot take over partitions", metadata: ["error": "\(error)"])
                        failure.withLock { $0 = error }
                        return [:]
                    }
                },
                onRevoke: { partitions in
                    do {
                        let durable = try box.engine.checkpoint(only: partitions)
                        do { try box.consumer?.commit(durable) } catch {
                            // Expected while the group rebalances; the checkpoint holds the offsets.
                            logger.info("commit on revoke failed; the checkpoint holds the offsets", metadata: ["error": "\(error)"])
                        }
                    } catch {
                        logger.error("checkpoint on revoke failed", metadata: ["error": "\(error)"])
                        failure.withLock { $0 = error }
                    }
                    box.engine.drop(partitions)
                    status.update { $0.assigned = box.engine.assigned }
                }
            ),
            tokenProvider: settings.tokenProvider,
            logger: logger
        )
        box.consumer = consumer
        try consumer.subscribe(settings.topics)
        let metrics = self.metrics
        /// Commits `durable` plus whatever an earlier failed commit left (of partitions still
        /// assigned): an idle partition's committed offset must not stay behind for good.
        func commit(_ durable: [PartitionKey: Int64]) {
            box.uncommitted.merge(durable) { max($0, $1) }
            let owned = Set(engine.assigned)
            box.uncommitted = box.uncommitted.filter { owned.contains($0.key) }
            guard !box.uncommitted.isEmpty else { return }
            do {
                try consumer.commit(box.uncommitted)
                box.uncommitted.removeAll()
            } catch {
                metrics.commitFailures.increment()
                logger.warning("offset commit failed; will retry", metadata: ["error": "\(error)"])
            }
        }
        let closer = PeriodCloser(
            engine: engine, context: context, invoicesDir: settings.invoicesDir, delivery: delivery, graceMs: settings.graceMs,
            metrics: metrics, logger: logger, pinnedClosedAtMs: settings.pinnedClosedAtMs,
            commit: { offsets in commit(offsets) },
            isIdle: { tp in Self.lag(consumer: consumer, engine: engine, tp) == 0 }
        )

        var readySent = false
        var resumed = false
        var lastWatchdog = ContinuousClock.now
        var lastAutoClose = ContinuousClock.now
        var checkpointRetryAt: ContinuousClock.Instant?
        var lastCloseTail = ContinuousClock.now
        while !control.stopRequested {
            if let error = failure.withLock({ $0 }) { throw error }
            _ = try consumer.pollBatches(maxMessages: 50_000, timeoutMs: 100) { messages in
                try engine.handle(batch: messages)
            }
            engine.flushMetrics()
            let now = ContinuousClock.now
            if now - lastWatchdog >= .seconds(2) {
                lastWatchdog = now
                notifier.watchdog()
                updateLag(consumer: consumer, engine: engine)
                if consumer.allBrokersDown { consumer.probeBrokers(timeoutMs: 500) }
                let reachable = !consumer.allBrokersDown
                status.update { $0.brokerReachable = reachable }
                if !box.uncommitted.isEmpty { commit([:]) }
            }
            for done in engine.writer.takeCompleted() {
                if let error = done.error {
                    // Disk full, permissions: keep consuming in memory, commit nothing, and retry
                    // after one checkpoint interval (not on every poll, which would flood the log).
                    engine.markDirty(done.failed)
                    status.update { $0.checkpointWritable = false }
                    checkpointRetryAt = now + engine.settings.checkpointInterval
                    logger.error("checkpoint failed; offsets are not committed", metadata: ["error": "\(error)"])
                } else if done.bytes > 0 {
                    status.update { $0.checkpointWritable = true }
                    checkpointRetryAt = nil
                }
                commit(done.durable)
            }
            if engine.checkpointDue, !engine.writer.busy, checkpointRetryAt.map({ now >= $0 }) ?? true {
                // Written on the checkpoint thread; consumption goes on meanwhile.
                try engine.checkpointInBackground()
            }
            if let scaleOut = engine.settings.scaleOut, now - lastCloseTail >= .milliseconds(200) {
                // Scale-out: freeze the periods other closers asked for, and publish promptly.
                lastCloseTail = now
                do {
                    let requests = try scaleOut.pollRequests()
                    if engine.applyCloses(requests) {
                        commit(try engine.checkpoint())
                        logger.notice("froze periods on a close request", metadata: ["closes": "\(requests.map(\.key))"])
                    }
                } catch {
                    logger.error("cannot apply close requests; will retry", metadata: ["error": "\(error)"])
                }
            }
            if !engine.slots.isEmpty && !resumed {
                resumed = true
                for invoice in try closer.resumePending() {
                    logger.notice("finished an interrupted close", metadata: ["ob": "\(invoice.ob)", "period": "\(invoice.period)"])
                }
            }
            if !readySent, status.snapshot.stateLoaded, !engine.slots.isEmpty {
                readySent = true
                notifier.ready(status: "consuming \(engine.slots.count) partitions")
            }
            for pending in control.takeCloses() {
                pending.reply(Result { try closer.close(pending.scope) })
            }
            if settings.autoClose, now - lastAutoClose >= settings.autoCloseCheckEvery, status.snapshot.lagKnown {
                lastAutoClose = now
                do {
                    let report = try closer.close(.ready)
                    if !report.closed.isEmpty { logger.notice("auto-closed \(report.closed.count) invoices") }
                } catch {
                    logger.error("auto-close failed", metadata: ["error": "\(error)"])
                }
            }
        }
        // Graceful stop: everything consumed becomes durable and committed, then leave the group.
        status.update { $0.stopping = true }
        let durable = try engine.checkpoint()
        do { try consumer.commit(durable) } catch {
            logger.warning("final offset commit failed; the checkpoint holds the offsets", metadata: ["error": "\(error)"])
        }
        try consumer.close()
        logger.notice("consumer stopped", metadata: ["partitions": "\(engine.slots.count)"])
    }

    /// High watermark minus next offset, nil while unknown.
    static func lag(consumer: KafkaConsumer, engine: BillingEngine, _ tp: PartitionKey) -> Int64? {
        guard let (low, high) = consumer.cachedWatermarks(tp) else { return nil }
        guard let next = engine.progress.first(where: { $0.key == tp })?.nextOffset else { return nil }
        return max(0, high - max(next, low))
    }

    private func updateLag(consumer: KafkaConsumer, engine: BillingEngine) {
        var known = !engine.slots.isEmpty
        var consumed: Int64 = 0
        var lagTotal: Int64 = 0
        for p in engine.progress {
            let gauges = metrics.partition(p.key)
            consumed += max(0, p.nextOffset)
            if let lag = Self.lag(consumer: consumer, engine: engine, p.key) {
                gauges.lag.set(to: Double(lag))
                lagTotal += lag
            } else {
                known = false
            }
            if let wm = p.watermarkMs { gauges.watermark.set(to: Double(wm) / 1000) }
            gauges.nextOffset.set(to: Double(p.nextOffset))
        }
        status.update {
            $0.lagKnown = known
            $0.consumedOffsets = consumed
            $0.lagTotal = lagTotal
        }
    }
}

/// Carries the consumer-thread objects into librdkafka's callbacks, which run on that same
/// thread inside `poll`.
///
/// `@unchecked Sendable`: every access happens on the consumer thread (the callbacks are invoked
/// synchronously from `rd_kafka_consumer_poll`/`close` called there).
final class ThreadConfined: @unchecked Sendable {
    let engine: BillingEngine
    /// Weak: the consumer owns the rebalance callbacks that hold this box.
    weak var consumer: KafkaConsumer?
    /// Durable offsets whose commit failed, retried until a commit succeeds.
    var uncommitted: [PartitionKey: Int64] = [:]
    init(engine: BillingEngine) { self.engine = engine }
}
