import KafkaBridge
import Logging

extension QuarantineRequeue {
    /// Requeues through a producer made from `configuration`'s broker and security settings
    /// (those of the daemon's dead-letter producer); blocking: call off the cooperative pool.
    package func run(configuration: DaemonConfiguration) throws -> Outcome {
        let logger = Logger(label: "aura-billing.quarantine")
        let producer = try KafkaProducer(
            properties: configuration.producerProperties, tokenProvider: try configuration.makeTokenFetcher(),
            logger: logger)
        return try run(producer: producer)
    }
}
