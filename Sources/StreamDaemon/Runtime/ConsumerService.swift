import Aggregation
import Invoicing
import KafkaBridge
import Logging
import Prometheus
import ServiceLifecycle

/// The consumer: joins the group, and on its own thread polls, decodes, aggregates,
/// checkpoints, commits, and freezes closes (their invoices are issued by
/// `InvoiceIssuingService` from `invoices`). Stops on graceful shutdown with a final checkpoint
/// and commit.
final class ConsumerService: Service, Sendable {
    struct Settings: Sendable {
        var consumerProperties: [String: String]
        var topics: [String]
        var graceMs: Int64
        var autoClose: Bool
        var autoCloseCheckEvery: Duration = .seconds(30)
        /// The "closed at" instant of new closes (ms since the epoch) instead of the wall clock.
        var pinnedClosedAtMs: Int64? = nil
        /// Supplies OAUTHBEARER tokens when the brokers need SASL_SSL.
        var tokenProvider: OAuthTokenFetcher?
        /// Quarantine records held in memory while the file cannot be written, above which every
        /// partition pauses (`quarantine.max_backlog_mib`).
        var quarantineBacklogLimit = 64 << 20
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
    /// The invoices frozen by closes, issued in the background.
    let invoices: InvoiceQueue
    /// Makes the group member with the given rebalance callbacks, on the consumer thread.
    let makeConsumer: @Sendable (RebalanceHandler) throws -> any PartitionConsumer

    /// `makeConsumer` defaults to a librdkafka consumer with `settings`' properties and token provider.
    init(
        settings: Settings, control: ConsumerControl, status: DaemonStatus, notifier: SystemdNotifier,
        metrics: DaemonMetrics,
        context: InvoicingContext, invoices: InvoiceQueue, logger: Logger,
        makeConsumer: (@Sendable (RebalanceHandler) throws -> any PartitionConsumer)? = nil,
        makeEngine: @escaping @Sendable () throws -> BillingEngine
    ) {
        self.makeConsumer =
            makeConsumer ?? { [settings, logger] rebalance in
                try KafkaConsumer(
                    properties: settings.consumerProperties, rebalance: rebalance,
                    tokenProvider: settings.tokenProvider, logger: logger)
            }
        self.settings = settings
        self.control = control
        self.status = status
        self.notifier = notifier
        self.metrics = metrics
        self.context = context
        self.invoices = invoices
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

    /// The poll loop (consumer thread): makes the engine, the consumer and the closer, and runs
    /// `ConsumerLoop`'s steps until a stop is requested.
    private func loop() throws {
        let engine = try makeEngine()
        defer { engine.shutdown() }
        let handover = PartitionHandover(engine: engine, status: status, logger: logger)
        let consumer = try makeConsumer(handover.handler)
        handover.consumer = consumer
        try consumer.subscribe(settings.topics)
        let metrics = self.metrics
        let committer = OffsetCommitter(consumer: consumer, metrics: metrics, logger: logger) { engine.assigned }
        let closer = PeriodCloser(
            engine: engine, context: context, invoices: invoices, graceMs: settings.graceMs,
            metrics: metrics, logger: logger, pinnedClosedAtMs: settings.pinnedClosedAtMs,
            commit: committer.commit,
            isIdle: { tp in Self.lag(consumer: consumer, engine: engine, tp) == 0 }
        )
        let parts = ConsumerLoop.Parts(
            engine: engine, consumer: consumer, handover: handover, committer: committer, closer: closer)
        try ConsumerLoop(service: self, parts: parts).run()
    }

    /// High watermark minus next offset, nil while unknown.
    static func lag(consumer: any PartitionConsumer, engine: BillingEngine, _ tp: PartitionKey) -> Int64? {
        guard let (low, high) = consumer.cachedWatermarks(tp) else { return nil }
        guard let next = engine.progress.first(where: { $0.key == tp })?.nextOffset else { return nil }
        return max(0, high - max(next, low))
    }
}
