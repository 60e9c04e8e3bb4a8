import Aggregation
import Avro
import Foundation
import Invoicing
import KafkaBridge
import Logging
import Prometheus
package import ServiceLifecycle
import UnixSignals

/// The wired-up daemon: consumer, HTTP endpoints and signal handling in one `ServiceGroup`.
package struct Daemon {
    /// The daemon's own bound on a graceful stop; systemd's TimeoutStopSec is above it.
    package static let shutdownBound: Duration = .seconds(30)

    package let configuration: DaemonConfiguration
    let logger: Logger
    let metrics: DaemonMetrics
    package let status = DaemonStatus()
    package let control = ConsumerControl()
    let notifier: SystemdNotifier
    let context: InvoicingContext
    /// Receives the HTTP port once bound (tests bind port 0).
    package var onHTTPBound: @Sendable (Int) async -> Void = { _ in }

    package init(configuration: DaemonConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.configuration = configuration
        var logger = Logger(label: "aura-billing")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        self.logger = logger
        metrics = DaemonMetrics(auditTopic: configuration.kafka.auditTopic, gatewayTopic: configuration.kafka.gatewayTopic)
        notifier = SystemdNotifier(environment: environment)
        context = try InvoicingContext(tariffsPath: configuration.tariffsPath, dimensionsDir: configuration.dimensionsDir)
    }

    /// OB time zones: `D_Gbl_Country`, overridden by the catalog's `time_zone`, falling back to
    /// the built-in table for the platform's OBs.
    func timeZones() throws -> OBTimeZones {
        try context.snapshot.timeZones()
    }

    func schemaSource() throws -> any WriterSchemaSource {
        if let url = configuration.schemas.registryURL { return SchemaRegistryClient(url: url) }
        return try LocalSchemaFiles(paths: configuration.schemas.files)
    }

    func delivery() throws -> InvoiceDelivery? {
        let d = configuration.delivery
        switch d.kind {
        case .directory:
            return nil  // the invoices directory is the delivery
        case .azure:
            guard let container = d.azureContainer else {
                throw DaemonError(.configuration, "delivery.azure.container is required", source: configuration.source)
            }
            let endpoint = d.azureEndpoint ?? d.azureAccount.map { "https://\($0).blob.core.windows.net" }
            guard let endpoint else {
                throw DaemonError(.configuration, "delivery.azure.endpoint or delivery.azure.account is required", source: configuration.source)
            }
            let credential: AzureCredential
            if let file = d.sasTokenFile, let token = try Self.secret(file), !token.isEmpty {
                credential = .sas(token)
            } else if let file = d.sharedKeyFile, let key = try Self.secret(file), !key.isEmpty, let account = d.azureAccount {
                credential = .sharedKey(account: account, key: key)
            } else {
                throw DaemonError(.configuration, "Azure delivery needs a SAS token file or a shared key file with delivery.azure.account", source: configuration.source)
            }
            return .azureBlob(AzureBlobDelivery(endpoint: endpoint, container: container, credential: credential, maxAttempts: max(1, d.retries)))
        }
    }

    /// Reads a secret file (a systemd credential), trimmed; nil when the path is empty.
    package static func secret(_ path: String) throws -> String? {
        guard !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DaemonError(.configuration, "cannot read the secret file", source: path)
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    package func run() async throws {
        try await makeServiceGroup().run()
    }

    /// The consumer, HTTP server and signal handler, wired; SIGTERM/SIGINT shut it down.
    package func makeServiceGroup() throws -> ServiceGroup {
        let configuration = self.configuration
        let zones = try timeZones()
        let schemas = try schemaSource()
        let delivery = try self.delivery()
        let adminToken = try configuration.adminTokenFile.flatMap { try Self.secret($0) }
        let (host, port) = try Self.hostPort(configuration.httpAddress)
        try FileManager.default.createDirectory(atPath: configuration.stateDir, withIntermediateDirectories: true)
        let quarantinePath = configuration.quarantineFile ?? configuration.stateDir + "/quarantine.jsonl"
        let metrics = self.metrics
        let logger = self.logger
        let tokens = try configuration.makeTokenFetcher()
        let dlqProducer = try configuration.quarantineTopic.map { _ in
            try KafkaProducer(properties: configuration.producerProperties, tokenProvider: tokens, logger: logger)
        }
        let engineSettings = BillingEngine.Settings(
            stateDir: configuration.stateDir,
            auditTopic: configuration.kafka.auditTopic,
            gatewayTopic: configuration.kafka.gatewayTopic,
            checkpointEveryEvents: configuration.checkpointIntervalEvents,
            checkpointInterval: .seconds(configuration.checkpointIntervalSeconds),
            scaleOut: try configuration.makeScaleOutBinding(tokens: tokens, logger: logger)
        )
        // Scale-out: closes are run from the changelog, off the consumer thread (which must keep
        // freezing its own partitions while the closer waits for every instance).
        let closing: any PeriodClosing = try configuration.makeDistributedCloser(
            zones: zones, context: context, delivery: delivery, metrics: metrics, tokens: tokens, logger: logger
        ).map { ScaleOutPeriodClosing(closer: $0) } ?? LocalPeriodClosing(control: control)
        let quarantineTopic = configuration.quarantineTopic
        let consumer = ConsumerService(
            settings: .init(
                consumerProperties: configuration.consumerProperties,
                topics: [configuration.kafka.auditTopic, configuration.kafka.gatewayTopic],
                graceMs: Int64(configuration.graceHours) * 3_600_000,
                // Scale-out: auto-close runs through the changelog (ScaleOutAutoCloseService).
                autoClose: configuration.autoClose && !configuration.isScaledOut,
                autoCloseCheckEvery: .seconds(configuration.autoCloseCheckSeconds),
                invoicesDir: configuration.invoicesDir,
                pinnedClosedAtMs: configuration.pinnedClosedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) },
                tokenProvider: tokens
            ),
            control: control, status: status, notifier: notifier, metrics: metrics, context: context,
            delivery: delivery, logger: logger
        ) {
            let quarantine = try QuarantineWriter(path: quarantinePath, topic: quarantineTopic, producer: dlqProducer)
            // Scale-out: a checkpoint counts (its offsets become committable) only once its
            // state is also acknowledged in the changelog.
            var afterSave: CheckpointWriter.AfterSave?
            if let changelog = engineSettings.scaleOut?.changelog {
                afterSave = { key, encoded, _, nextOffset in
                    _ = try changelog.publish(key, encoded: encoded, nextOffset: nextOffset, watermarkMs: nil)
                }
            }
            return try BillingEngine(settings: engineSettings, zones: zones, schemas: schemas, quarantine: quarantine, metrics: metrics,
                                     logger: logger, afterSave: afterSave)
        }
        let http = HTTPEndpoints(metrics: metrics, status: status, adminToken: adminToken) { request in
            let report = try await closing.close(.period(request.period, ob: request.ob, force: request.force))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        }
        let context = self.context
        let signals = SignalService(
            onReload: {
                do {
                    try context.reload()
                    metrics.reloads.increment()
                    logger.notice("reloaded tariff catalog and dimensions")
                } catch {
                    metrics.reloadFailures.increment()
                    logger.error("reload rejected; keeping the previous catalog and dimensions", metadata: ["error": "\(error)"])
                }
            },
            onCloseReady: {
                do {
                    let report = try await closing.close(.ready)
                    logger.notice("SIGUSR1 close finished", metadata: ["closed": "\(report.closed.count)", "errors": "\(report.errors.count)"])
                } catch {
                    logger.error("SIGUSR1 close failed", metadata: ["error": "\(error)"])
                }
            },
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: consumer),
            .init(service: http.application(host: host, port: port, logger: logger, onBound: onHTTPBound)),
            .init(service: signals),
        ]
        if configuration.autoClose, configuration.isScaledOut {
            services.append(.init(service: ScaleOutAutoCloseService(
                interval: .seconds(configuration.autoCloseCheckSeconds), auditTopic: configuration.kafka.auditTopic,
                status: status, closing: closing, logger: logger)))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = Daemon.shutdownBound
        notifier.status("starting")
        logger.notice("aura-billing starting", metadata: [
            "brokers": "\(configuration.kafka.brokers)", "group": "\(configuration.kafka.groupID)",
            "state_dir": "\(configuration.stateDir)", "http": "\(configuration.httpAddress)",
        ])
        return ServiceGroup(configuration: groupConfiguration)
    }

    /// Splits `host:port` (IPv6 in brackets).
    static func hostPort(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw DaemonError(.configuration, "http.address must be host:port, not `\(address)`")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

extension Daemon {
    /// Runs a scale-out close in this process, from the changelog (`aura-billing close` with a
    /// configuration that sets `state.changelog_topic`; no daemon needed).
    package func closeThroughChangelog(_ scope: CloseScope) async throws -> CloseReport {
        let configuration = self.configuration
        let zones = try timeZones()
        let delivery = try self.delivery()
        let tokens = try configuration.makeTokenFetcher()
        let logger = self.logger
        let context = self.context
        return try await Blocking.run {
            guard let closer = try configuration.makeDistributedCloser(
                zones: zones, context: context, delivery: delivery, metrics: nil, tokens: tokens, logger: logger)
            else { throw DaemonError(.configuration, "state.changelog_topic is not set") }
            return try closer.close(scope)
        }
    }
}
