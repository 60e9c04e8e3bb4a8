import Aggregation
import Foundation
import Invoicing
import KafkaBridge
import Logging

extension DaemonConfiguration {
    /// Whether states live in a changelog topic (`state.changelog_topic`).
    package var isScaledOut: Bool { changelogTopic != nil }

    /// Kafka clients of the changelog and close topics, which are created (compacted) when
    /// missing and the cluster supports CreateTopics. Each call makes its own clients: a
    /// simple-consumer reader serves one reader per partition.
    func makeChangelogClients(tokens: OAuthTokenFetcher?, logger: Logger) throws -> (ChangelogStore, CloseLog)? {
        guard let changelogTopic, let closeTopic else { return nil }
        var producerProps = producerProperties
        producerProps["acks"] = "all"
        producerProps["compression.codec"] = "none"  // chunks are compressed already
        producerProps["linger.ms"] = "1"
        let producer = try KafkaProducer(properties: producerProps, tokenProvider: tokens, logger: logger)
        let reader = try KafkaPartitionReader(properties: producerProperties, tokenProvider: tokens, logger: logger)
        let compact = ["cleanup.policy": "compact"]
        _ = try reader.ensureTopic(changelogTopic, partitions: changelogPartitions, config: compact)
        _ = try reader.ensureTopic(closeTopic, partitions: 1, config: compact)
        let changelog = try ChangelogStore(topic: changelogTopic, producer: producer, reader: reader, logger: logger)
        return (changelog, CloseLog(topic: closeTopic, producer: producer, reader: reader, logger: logger))
    }

    /// The consumer thread's scale-out binding; nil without `state.changelog_topic`.
    func makeScaleOutBinding(tokens: OAuthTokenFetcher?, logger: Logger) throws -> ScaleOutBinding? {
        guard let (changelog, closeLog) = try makeChangelogClients(tokens: tokens, logger: logger) else { return nil }
        let tail = try KafkaPartitionReader(properties: producerProperties, tokenProvider: tokens, logger: logger)
        return ScaleOutBinding(changelog: changelog, closeLog: closeLog, tail: tail, logger: logger)
    }

    /// A closer that works from the changelog (admin endpoint, SIGUSR1, `aura-billing close`
    /// in scale-out mode); nil without `state.changelog_topic`.
    func makeDistributedCloser(
        zones: OBTimeZones, context: InvoicingContext, delivery: InvoiceDelivery?, metrics: DaemonMetrics?,
        tokens: OAuthTokenFetcher?, logger: Logger
    ) throws -> DistributedCloser? {
        guard let (changelog, closeLog) = try makeChangelogClients(tokens: tokens, logger: logger) else { return nil }
        return DistributedCloser(
            settings: .init(
                sourceTopics: [kafka.auditTopic, kafka.gatewayTopic],
                graceMs: graceMs,
                invoicesDir: invoicesDir,
                pinnedClosedAtMs: pinnedClosedAtMs,
                lateHorizonMs: lateHorizonMs
            ),
            changelog: changelog, closeLog: closeLog, zones: zones, context: context, delivery: delivery,
            metrics: metrics, logger: logger, events: makeEventOutbox()
        )
    }
}
