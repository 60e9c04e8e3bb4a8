import Configuration
import Foundation

/// One reader per section of the file, each taking its keys and defaults from `ConfigurationKeys`
/// and checking the rules within its section.
extension DaemonConfiguration.Kafka {
    /// `kafka.*`; `properties` are the pass-through properties already merged with the environment.
    init(reader config: ConfigReader, properties: [String: String], source: String) throws {
        typealias Keys = ConfigurationKeys
        let security = try DaemonConfiguration.Security(reader: config, source: source)
        self.init(
            brokers: try config.required(Keys.kafkaBrokers, source: source),
            groupID: config.defaultedString(Keys.kafkaGroupID),
            auditTopic: config.defaultedString(Keys.kafkaAuditTopic),
            gatewayTopic: config.defaultedString(Keys.kafkaGatewayTopic),
            properties: properties,
            security: security
        )
        if security.protocol == .saslSSL {
            for (value, name) in [
                (security.tokenEndpoint, "token_endpoint"), (security.clientID, "client_id"),
                (security.clientSecretFile, "client_secret_file"),
            ] where value?.isEmpty ?? true {
                throw DaemonError(.configuration, "SASL_SSL needs kafka.security.oauth.\(name)", source: source)
            }
        }
    }
}

extension DaemonConfiguration.Security {
    /// `kafka.security.*`.
    init(reader config: ConfigReader, source: String) throws {
        typealias Keys = ConfigurationKeys
        let protocolName = config.defaultedString(Keys.kafkaSecurityProtocol)
        guard let proto = SecurityProtocol(rawValue: protocolName.uppercased()) else {
            throw DaemonError(
                .configuration, "kafka.security.protocol must be PLAINTEXT or SASL_SSL, not `\(protocolName)`",
                source: source)
        }
        self.init(
            protocol: proto,
            tokenEndpoint: config.string(Keys.kafkaOAuthTokenEndpoint),
            clientID: config.string(Keys.kafkaOAuthClientID),
            clientSecretFile: config.string(Keys.kafkaOAuthClientSecretFile),
            scope: config.string(Keys.kafkaOAuthScope)
        )
    }
}

extension DaemonConfiguration.Delivery.Kind {
    /// `delivery.kind`.
    init(reader config: ConfigReader, source: String) throws {
        let name = config.defaultedString(ConfigurationKeys.deliveryKind)
        guard let kind = Self(rawValue: name) else {
            throw DaemonError(.configuration, "delivery.kind must be directory or azure, not `\(name)`", source: source)
        }
        self = kind
    }
}

extension DaemonConfiguration.Delivery {
    /// `delivery.*`, with the kind read (and checked) already.
    init(reader config: ConfigReader, kind: Kind) {
        typealias Keys = ConfigurationKeys
        self.init(
            kind: kind,
            azureAccount: config.string(Keys.deliveryAzureAccount),
            azureContainer: config.string(Keys.deliveryAzureContainer),
            azureEndpoint: config.string(Keys.deliveryAzureEndpoint),
            sasTokenFile: config.string(Keys.deliveryAzureSASTokenFile),
            sharedKeyFile: config.string(Keys.deliveryAzureSharedKeyFile),
            retries: config.defaultedInt(Keys.deliveryRetries)
        )
    }
}

extension DaemonConfiguration {
    /// `state.*`: the state directory and the scale-out topics.
    struct StateSection {
        var dir: String
        var changelogTopic: String?
        var closeTopic: String?
        var changelogPartitions: Int

        init(reader config: ConfigReader, source: String) throws {
            typealias Keys = ConfigurationKeys
            dir = try config.required(Keys.stateDir, source: source)
            changelogTopic = config.nonEmptyString(Keys.stateChangelogTopic)
            closeTopic = config.nonEmptyString(Keys.stateCloseTopic)
            changelogPartitions = config.defaultedInt(Keys.stateChangelogPartitions)
            if changelogTopic != nil && closeTopic == nil {
                throw DaemonError(.configuration, "state.changelog_topic needs state.close_topic too", source: source)
            }
            if changelogTopic != nil && changelogPartitions < 2 {
                throw DaemonError(.configuration, "state.changelog_partitions must be at least 2", source: source)
            }
        }
    }

    /// `periods.*`: when periods are ready and who closes them.
    struct PeriodsSection {
        var graceHours: Int
        var autoClose: Bool
        var autoCloseCheckSeconds: Int
        var lateHorizonDays: Int
        var pinnedClosedAt: Date?

        init(reader config: ConfigReader, source: String) throws {
            typealias Keys = ConfigurationKeys
            graceHours = config.defaultedInt(Keys.periodsGraceHours)
            autoClose = config.defaultedBool(Keys.periodsAutoClose)
            autoCloseCheckSeconds = config.defaultedInt(Keys.periodsAutoCloseCheckSeconds)
            lateHorizonDays = config.defaultedInt(Keys.periodsLateHorizonDays)
            guard lateHorizonDays >= 0 else {
                throw DaemonError(
                    .configuration, "periods.late_horizon_days must be 0 or more, not \(lateHorizonDays)",
                    source: source)
            }
            guard autoCloseCheckSeconds >= 1 else {
                throw DaemonError(
                    .configuration, "periods.auto_close_check_seconds must be at least 1, not \(autoCloseCheckSeconds)",
                    source: source)
            }
            if let pinned = config.nonEmptyString(Keys.periodsPinnedClosedAt) {
                guard let date = ISO8601DateFormatter().date(from: pinned) else {
                    throw DaemonError(
                        .configuration,
                        "periods.pinned_closed_at must be an ISO 8601 UTC instant like 2026-11-01T00:05:00Z, not `\(pinned)`",
                        source: source)
                }
                pinnedClosedAt = date
            }
        }
    }

    /// `periods.grace_hours` as a duration.
    package var grace: Duration { .seconds(graceHours * 3600) }

    /// `periods.grace_hours` in milliseconds, the unit of the close code's watermarks.
    package var graceMs: Int64 { Int64(graceHours) * 3_600_000 }

    /// `periods.late_horizon_days` in milliseconds; nil when 0 (closed periods keep their keys).
    package var lateHorizonMs: Int64? { lateHorizonDays == 0 ? nil : Int64(lateHorizonDays) * 86_400_000 }

    /// `periods.pinned_closed_at` in milliseconds since the epoch, the unit of close records.
    package var pinnedClosedAtMs: Int64? { pinnedClosedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }

    /// `checkpoint.interval_seconds` as a duration.
    package var checkpointInterval: Duration { .seconds(checkpointIntervalSeconds) }

    /// `periods.auto_close_check_seconds` as a duration.
    package var autoCloseCheckInterval: Duration { .seconds(autoCloseCheckSeconds) }
}
