package import ArgumentParser
import KafkaBridge
import Logging
import StreamDaemon
import UnixSignals

/// `aura-billing broker`: a local Kafka-protocol cluster (librdkafka's mock) for development.
package struct BrokerCommand: AsyncParsableCommand {
    /// Argument parsing creates the command, then fills in its options.
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a local in-memory Kafka-protocol cluster on 127.0.0.1 until SIGTERM.",
        discussion: """
            Prints the bootstrap address (host:port[,...]) as the first line of stdout. Topics not \
            created with --topic are auto-created with 4 partitions on first use. Everything is \
            held in memory: at most 5 MiB of record batches per partition are kept.
            """
    )

    @Option(help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"), help: "Create topic NAME with PARTITIONS partitions (repeatable).")
    var topics: [TopicSpec] = []

    package func run() async throws {
        var logger = Logger(label: "aura-billing.broker")
        logger.logLevel = .notice
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        for spec in topics { try cluster.createTopic(spec.name, partitions: spec.partitions) }
        print(cluster.bootstrapServers)
        fflushStdout()
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await signal in signals {
            logger.notice("stopping the broker", metadata: ["signal": "\(signal)"])
            break
        }
        withExtendedLifetime(cluster) {}
    }
}

/// `NAME:PARTITIONS` on the command line.
package struct TopicSpec: ExpressibleByArgument, Sendable {
    package var name: String
    package var partitions: Int

    package init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"),
            let partitions = Int(argument[argument.index(after: colon)...]), partitions >= 1
        else { return nil }
        let name = String(argument[..<colon])
        guard !name.isEmpty else { return nil }
        self.name = name
        self.partitions = partitions
    }
}
