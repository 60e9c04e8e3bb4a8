import Aggregation
import Avro
import Foundation
import Invoicing
import KafkaBridge
import Logging
package import ServiceLifecycle

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

    package init(
        configuration: DaemonConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.configuration = configuration
        var logger = Logger(label: "aura-billing")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        self.logger = logger
        metrics = DaemonMetrics(
            auditTopic: configuration.kafka.auditTopic, gatewayTopic: configuration.kafka.gatewayTopic)
        notifier = SystemdNotifier(environment: environment)
        context = try InvoicingContext(
            tariffsPath: configuration.tariffsPath, dimensionsDir: configuration.dimensionsDir)
    }

    /// OB time zones: `D_Gbl_Country`, overridden by the catalog's `time_zone`, falling back to
    /// the built-in table for the platform's OBs.
    func timeZones() throws -> OBTimeZones {
        try context.snapshot.timeZones()
    }

    func schemaSource() throws -> any WriterSchemaSource {
        if let url = configuration.schemas.registryURL {
            return SchemaRegistryClient(url: url, unknownGrace: .seconds(configuration.schemas.unknownIDGraceSeconds))
        }
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
            let endpoint = d.azureEndpoint ?? d.azureAccount.map { Self.blobEndpoint(account: $0) }
            guard let endpoint else {
                throw DaemonError(
                    .configuration, "delivery.azure.endpoint or delivery.azure.account is required",
                    source: configuration.source)
            }
            let credential: AzureCredential
            if let file = d.sasTokenFile, let token = try Self.secret(file), !token.isEmpty {
                credential = .sas(token)
            } else if let file = d.sharedKeyFile, let key = try Self.secret(file), !key.isEmpty,
                let account = d.azureAccount
            {
                credential = .sharedKey(account: account, key: key)
            } else {
                throw DaemonError(
                    .configuration,
                    "Azure delivery needs a SAS token file or a shared key file with delivery.azure.account",
                    source: configuration.source)
            }
            return .azureBlob(
                AzureBlobDelivery(
                    endpoint: endpoint, container: container, credential: credential, maxAttempts: max(1, d.retries)))
        }
    }

    /// The Blob service endpoint of a storage account.
    static func blobEndpoint(account: String) -> String {
        "https://\(account).blob.core.windows.net"
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
        HeapTrim.configureForDaemon()
        try await makeServiceGroup().run()
    }

    /// The consumer, HTTP server and signal handler, wired (`DaemonAssembly`); SIGTERM/SIGINT
    /// shut it down.
    package func makeServiceGroup() throws -> ServiceGroup {
        try DaemonAssembly(daemon: self).makeServiceGroup()
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
            guard
                let closer = try configuration.makeDistributedCloser(
                    zones: zones, context: context, delivery: delivery, metrics: nil, tokens: tokens, logger: logger)
            else { throw DaemonError(.configuration, "state.changelog_topic is not set") }
            return try closer.close(scope)
        }
    }
}
