package import Configuration
package import Foundation
package import KafkaBridge
import SystemPackage
import Yams

/// Everything `aura-billing run` reads from its YAML file, each key overridable by an environment
/// variable (swift-configuration's convention: `kafka.group_id` → `KAFKA_GROUP_ID`). The keys,
/// their defaults and variables are declared once in `ConfigurationKeys`; deploy/config.yaml and
/// deploy/ENVIRONMENT.md document them (tests keep all three in step).
package struct DaemonConfiguration: Sendable {
    package struct Kafka: Sendable {
        package var brokers: String
        package var groupID: String
        package var auditTopic: String
        package var gatewayTopic: String
        /// `kafka.properties.*`: passed to librdkafka unchanged.
        package var properties: [String: String]
        package var security: Security
    }

    /// `kafka.security.*`.
    package struct Security: Sendable {
        package enum SecurityProtocol: String, Sendable {
            case plaintext = "PLAINTEXT"
            case saslSSL = "SASL_SSL"
        }
        package var `protocol`: SecurityProtocol
        package var tokenEndpoint: String?
        package var clientID: String?
        /// Path of the file holding the client secret (a systemd credential); the secret itself is
        /// read only when a token is requested and never logged.
        package var clientSecretFile: String?
        package var scope: String?
    }

    /// `schemas.*`: writer schemas by Confluent id, from a registry or local files.
    package struct Schemas: Sendable {
        package var registryURL: String?
        package var files: [Int32: String]
        /// `schemas.unknown_id_grace_seconds`: a 404 this soon after a registry failure is transient.
        package var unknownIDGraceSeconds = 60
    }

    package struct Delivery: Sendable {
        package enum Kind: String, Sendable { case directory, azure }
        package var kind: Kind
        package var azureAccount: String?
        package var azureContainer: String?
        package var azureEndpoint: String?
        package var sasTokenFile: String?
        package var sharedKeyFile: String?
        package var retries: Int
    }

    /// `events.*`: the `InvoiceClosed` events of delivered invoices (docs/events.md).
    package struct Events: Sendable {
        package var topic: String?
        package var schemaID: Int32?
        package var webhookURL: String?
        package var webhookSecretFile: String?
        package var retryInitialSeconds = 5
        package var retryMaxSeconds = 600
        /// `events.sent_retention_days`: days after a period's end its sent events are kept
        /// (never less than `periods.late_horizon_days`: `InvoiceEventService.sentRetentionDays`).
        package var sentRetentionDays = 90

        /// Whether any sink is configured.
        package var isEnabled: Bool { topic != nil || webhookURL != nil }
    }

    package var kafka: Kafka
    package var schemas: Schemas
    package var stateDir: String
    /// `state.changelog_topic`: when set, every partition state is also published to this Kafka
    /// topic after each local checkpoint, and instances on different machines share nothing but
    /// Kafka (README "Scaling out"). Unset: one machine (or a shared state directory).
    package var changelogTopic: String?
    /// `state.close_topic`: the close requests and done notes of the scale-out mode (required
    /// with `state.changelog_topic`).
    package var closeTopic: String?
    /// `state.changelog_partitions`: partitions of the changelog topic when the daemon creates it.
    package var changelogPartitions: Int
    package var checkpointIntervalSeconds: Int
    package var checkpointIntervalEvents: Int
    package var graceHours: Int
    package var autoClose: Bool
    /// How often `auto_close` looks for ready periods.
    package var autoCloseCheckSeconds: Int
    /// `periods.late_horizon_days`: how long after its end a closed period takes late events.
    package var lateHorizonDays: Int
    /// `periods.pinned_closed_at` (ISO 8601 UTC): the "closed at" instant of every new close,
    /// instead of the wall clock. For reproducible reruns and tests (byte-identical invoices from
    /// separate state directories); unset in production.
    package var pinnedClosedAt: Date?
    /// `limits.max_rows_per_partition`: distinct aggregate rows (and interned strings) per
    /// partition state before new ones are refused (docs/operations.md "Input limits").
    package var maxRowsPerPartition: Int
    package var tariffsPath: String?
    package var dimensionsDir: String?
    package var invoicesDir: String
    package var delivery: Delivery
    package var events: Events
    package var quarantineFile: String?
    package var quarantineTopic: String?
    /// `quarantine.max_backlog_mib`: unwritten quarantine records in memory before all partitions pause.
    package var quarantineMaxBacklogMiB = 64
    /// `quarantine.max_file_bytes`, `max_files`, `max_value_bytes`.
    package var quarantineLimits: QuarantineLimits
    /// `host:port` of the HTTP endpoints; loopback by default.
    package var httpAddress: String
    package var adminTokenFile: String?
    package var logLevel: String
    /// Where the file came from, for messages.
    package var source: String

    /// Loads `path`, with environment variables taking precedence over the file.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> DaemonConfiguration
    {
        let file: FileProvider<YAMLSnapshot>
        do {
            file = try await FileProvider<YAMLSnapshot>(filePath: FilePath(path))
        } catch {
            throw DaemonError(.configuration, "cannot read configuration: \(error)", source: path)
        }
        let reader = ConfigReader(providers: [EnvironmentVariablesProvider(environmentVariables: environment), file])
        let maps = try passThroughMaps(path: path)
        return try DaemonConfiguration(reader: reader, maps: maps, environment: environment, source: path)
    }

    /// Reads every section through `ConfigurationKeys` (defaults included) and checks the
    /// rules that span keys.
    package init(reader config: ConfigReader, maps: PassThroughMaps, environment: [String: String], source: String)
        throws
    {
        typealias Keys = ConfigurationKeys
        let properties = try Self.kafkaProperties(maps.kafkaProperties, environment: environment)
        kafka = try Kafka(reader: config, properties: properties, source: source)
        let deliveryKind = try Delivery.Kind(reader: config, source: source)
        schemas = Schemas(
            registryURL: config.string(Keys.schemasRegistryURL), files: maps.schemaFiles,
            unknownIDGraceSeconds: config.defaultedInt(Keys.schemasUnknownIDGraceSeconds))
        let state = try StateSection(reader: config, source: source)
        stateDir = state.dir
        changelogTopic = state.changelogTopic
        closeTopic = state.closeTopic
        changelogPartitions = state.changelogPartitions
        checkpointIntervalSeconds = config.defaultedInt(Keys.checkpointIntervalSeconds)
        checkpointIntervalEvents = config.defaultedInt(Keys.checkpointIntervalEvents)
        let periods = try PeriodsSection(reader: config, source: source)
        graceHours = periods.graceHours
        autoClose = periods.autoClose
        autoCloseCheckSeconds = periods.autoCloseCheckSeconds
        lateHorizonDays = periods.lateHorizonDays
        pinnedClosedAt = periods.pinnedClosedAt
        maxRowsPerPartition = config.defaultedInt(Keys.limitsMaxRowsPerPartition)
        tariffsPath = config.string(Keys.tariffsPath)
        dimensionsDir = config.string(Keys.dimensionsDir)
        invoicesDir = config.string(forKey: ConfigKey(Keys.invoicesDir.path), default: stateDir + "/invoices")
        delivery = Delivery(reader: config, kind: deliveryKind)
        events = try Events(reader: config, source: source)
        quarantineFile = config.string(Keys.quarantineFile)
        quarantineTopic = config.string(Keys.quarantineTopic)
        quarantineMaxBacklogMiB = config.defaultedInt(Keys.quarantineMaxBacklogMiB)
        quarantineLimits = QuarantineLimits(reader: config)
        httpAddress = config.defaultedString(Keys.httpAddress)
        adminTokenFile = config.string(Keys.adminTokenFile)
        logLevel = config.defaultedString(Keys.logLevel)
        self.source = source
        guard checkpointIntervalSeconds > 0, checkpointIntervalEvents > 0 else {
            throw DaemonError(.configuration, "checkpoint intervals must be positive", source: source)
        }
        if schemas.registryURL == nil && schemas.files.isEmpty {
            throw DaemonError(.configuration, "set schemas.registry_url or schemas.files (id: path)", source: source)
        }
    }

    /// `kafka.properties` from the file, with `KAFKA_PROPERTIES="k=v,k2=v2"` adding or overriding entries.
    static func kafkaProperties(_ fromFile: [String: String], environment: [String: String]) throws -> [String: String]
    {
        var properties = fromFile
        guard let variable = ConfigurationKeys.kafkaProperties.environmentVariable, let extra = environment[variable]
        else {
            return properties
        }
        for pair in extra.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw DaemonError(.configuration, "\(variable) entry `\(pair)` is not key=value", source: "environment")
            }
            properties[parts[0]] = parts[1]
        }
        return properties
    }

    /// The open-ended maps swift-configuration cannot enumerate: `kafka.properties` and `schemas.files`.
    package struct PassThroughMaps: Sendable {
        package var kafkaProperties: [String: String] = [:]
        package var schemaFiles: [Int32: String] = [:]
    }

    package static func passThroughMaps(path: String) throws -> PassThroughMaps {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DaemonError(.configuration, "cannot read configuration: \(error.localizedDescription)", source: path)
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw DaemonError(.configuration, "invalid YAML: \(error)", source: path)
        }
        var maps = PassThroughMaps()
        if let props = root?["kafka"]?["properties"]?.mapping {
            for (key, value) in props {
                guard let k = key.string, let v = value.string else {
                    throw DaemonError(
                        .configuration, "kafka.properties values must be scalars",
                        source: "\(path):\(key.mark?.line ?? 0)")
                }
                maps.kafkaProperties[k] = v
            }
        }
        if let files = root?["schemas"]?["files"]?.mapping {
            for (key, value) in files {
                guard let id = key.string.flatMap({ Int32($0) }), let file = value.string else {
                    throw DaemonError(
                        .configuration, "schemas.files maps a numeric schema id to an .avsc path",
                        source: "\(path):\(key.mark?.line ?? 0)")
                }
                let resolved =
                    file.hasPrefix("/")
                    ? file : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(file).path
                maps.schemaFiles[id] = resolved
            }
        }
        return maps
    }

    /// The token fetcher for SASL_SSL/OAUTHBEARER (`kafka.security.oauth.*`), to pass as
    /// `tokenProvider` to the consumer and the dead-letter producer; nil for PLAINTEXT.
    package func makeTokenFetcher() throws -> OAuthTokenFetcher? {
        let security = kafka.security
        guard security.protocol == .saslSSL else { return nil }
        guard let endpoint = security.tokenEndpoint, !endpoint.isEmpty,
            let clientID = security.clientID, !clientID.isEmpty,
            let secretFile = security.clientSecretFile, !secretFile.isEmpty
        else {
            throw DaemonError(
                .configuration, "SASL_SSL needs kafka.security.oauth.token_endpoint, client_id and client_secret_file",
                source: source)
        }
        return try OAuthTokenFetcher(
            credentials: OAuthClientCredentials(
                tokenEndpoint: endpoint,
                clientID: clientID,
                clientSecretFile: secretFile,
                scope: security.scope
            ))
    }

    /// librdkafka properties for the dead-letter producer: brokers and security, plus the
    /// pass-through properties that are not consumer-only.
    package var producerProperties: [String: String] {
        var props: [String: String] = ["bootstrap.servers": kafka.brokers, "compression.codec": "lz4"]
        if kafka.security.protocol == .saslSSL {
            props["security.protocol"] = "SASL_SSL"
            props["sasl.mechanisms"] = "OAUTHBEARER"
        }
        let consumerOnly: Set<String> = [
            "group.id", "auto.offset.reset", "enable.partition.eof", "partition.assignment.strategy",
            "session.timeout.ms", "fetch.wait.max.ms", "max.poll.interval.ms",
        ]
        for (k, v) in kafka.properties where !consumerOnly.contains(k) { props[k] = v }
        return props
    }

    /// librdkafka properties for the consumer, security included.
    package var consumerProperties: [String: String] {
        var props: [String: String] = [
            "bootstrap.servers": kafka.brokers,
            "group.id": kafka.groupID,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": "false",
            "partition.assignment.strategy": "range,roundrobin",
        ]
        if kafka.security.protocol == .saslSSL {
            props["security.protocol"] = "SASL_SSL"
            props["sasl.mechanisms"] = "OAUTHBEARER"
        }
        for (k, v) in kafka.properties { props[k] = v }
        return props
    }
}
