import Aggregation
import Avro
import Foundation
import Invoicing
import KafkaBridge
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// Wires a `Daemon`'s services from its configuration: the consumer (with the engine it makes
/// on its thread), the HTTP endpoints, the signal handler, and, scaled out, the distributed
/// closer with its retry and auto-close. `init` resolves everything that can fail, in the order
/// the daemon reports configuration errors; the `make…` steps only assemble.
struct DaemonAssembly {
    let daemon: Daemon
    let zones: OBTimeZones
    let schemas: any WriterSchemaSource
    let delivery: InvoiceDelivery?
    /// `POST /admin/close`: enabled with a non-empty token, else disabled (logged at start).
    let admin: AdminAccess
    let host: String
    let port: Int
    let quarantinePath: String
    let tokens: OAuthTokenFetcher?
    let dlqProducer: KafkaProducer?
    let engineSettings: BillingEngine.Settings
    /// Closes periods: from the changelog when scaled out, else on the consumer thread.
    let closing: any PeriodClosing
    /// One machine: the invoices frozen by closes, issued by `makeInvoiceIssuing()`'s service.
    let invoices: InvoiceQueue
    /// `events.*`: the outbox the issuers store invoice events in, and where they are sent.
    let events: (outbox: InvoiceEventOutbox, sinks: [any InvoiceEventSink])?

    var configuration: DaemonConfiguration { daemon.configuration }
    var logger: Logger { daemon.logger }
    var metrics: DaemonMetrics { daemon.metrics }

    init(daemon: Daemon) throws {
        self.daemon = daemon
        let configuration = daemon.configuration
        let logger = daemon.logger
        zones = try daemon.timeZones()
        schemas = try daemon.schemaSource()
        delivery = try daemon.delivery()
        admin = try AdminAccess(tokenFile: configuration.adminTokenFile)
        (host, port) = try Daemon.hostPort(configuration.httpAddress)
        try FileManager.default.createDirectory(atPath: configuration.stateDir, withIntermediateDirectories: true)
        quarantinePath = configuration.quarantinePath
        let tokens = try configuration.makeTokenFetcher()
        self.tokens = tokens
        dlqProducer = try configuration.quarantineTopic.map { _ in
            try KafkaProducer(properties: configuration.producerProperties, tokenProvider: tokens, logger: logger)
        }
        engineSettings = BillingEngine.Settings(
            stateDir: configuration.stateDir,
            auditTopic: configuration.kafka.auditTopic,
            gatewayTopic: configuration.kafka.gatewayTopic,
            checkpointEveryEvents: configuration.checkpointIntervalEvents,
            checkpointInterval: configuration.checkpointInterval,
            lateHorizonMs: configuration.lateHorizonMs,
            limits: InputLimits(maxRows: configuration.maxRowsPerPartition),
            scaleOut: try configuration.makeScaleOutBinding(tokens: tokens, logger: logger)
        )
        invoices = InvoiceQueue(metrics: daemon.metrics, status: daemon.status, logger: logger)
        events = try configuration.makeEventOutbox().map {
            (outbox: $0, sinks: try configuration.makeEventSinks(tokens: tokens, logger: logger))
        }
        closing = try Self.makeCloser(daemon: daemon, zones: zones, delivery: delivery, tokens: tokens)
    }

    /// The consumer, HTTP server and signal handler (and, scaled out, the closes' retry and
    /// auto-close) in one group; SIGTERM/SIGINT shut it down.
    func makeServiceGroup() -> ServiceGroup {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: makeConsumer()),
            .init(service: makeHTTP()),
            .init(service: makeSignals()),
        ]
        if let scaleOutClose = makeScaleOutClose() { services.append(.init(service: scaleOutClose)) }
        if let registry = schemas as? SchemaRegistryClient {
            // Registry requests run here, never on the consumer thread.
            services.append(.init(service: SchemaFetchService(client: registry, logger: logger)))
        }
        // Last, so it is the first told to stop (the group stops services in reverse order): close
        // requests waiting for a stalled delivery are answered at once instead of holding up the
        // HTTP server's shutdown; what is left is finished at the next start.
        if let eventService = makeInvoiceEvents() { services.append(.init(service: eventService)) }
        services.append(.init(service: makeInvoiceIssuing()))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = Daemon.shutdownBound
        daemon.notifier.status("starting")
        logger.notice(
            "aura-billing starting",
            metadata: [
                "brokers": "\(configuration.kafka.brokers)", "group": "\(configuration.kafka.groupID)",
                "state_dir": "\(configuration.stateDir)", "http": "\(configuration.httpAddress)",
            ])
        if case .disabled(let reason) = admin { logger.warning("admin endpoint disabled: \(reason)") }
        return ServiceGroup(configuration: groupConfiguration)
    }

    /// Scale-out: closes are run from the changelog, off the consumer thread (which must keep
    /// freezing its own partitions while the closer waits for every instance). On one machine
    /// they are queued onto the consumer thread, which owns the partition states.
    static func makeCloser(
        daemon: Daemon, zones: OBTimeZones, delivery: InvoiceDelivery?,
        tokens: OAuthTokenFetcher?
    ) throws -> any PeriodClosing {
        let configuration = daemon.configuration
        let (context, metrics, logger) = (daemon.context, daemon.metrics, daemon.logger)
        let distributedCloser = try configuration.makeDistributedCloser(
            zones: zones, context: context, delivery: delivery, metrics: metrics, tokens: tokens, logger: logger)
        return distributedCloser.map { ScaleOutPeriodClosing(closer: $0) }
            ?? LocalPeriodClosing(control: daemon.control, status: daemon.status)
    }
}
