import Foundation
import Logging

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Produces a generated month to the harness's broker a slice at a time, so a scenario can inject
/// faults while the daemon is consuming. One producer for the whole feed (keyed like the harness).
final class ReliabilityFeed {
    let messages: [DemoMessage]
    private let producer: KafkaProducer
    /// Messages produced (and acknowledged) so far.
    private(set) var cursor = 0

    init(harness: DaemonHarness, messages: [DemoMessage], properties: [String: String] = [:]) throws {
        self.messages = messages
        var props = [
            "bootstrap.servers": harness.cluster.bootstrapServers, "compression.codec": "lz4", "linger.ms": "2",
        ]
        for (k, v) in properties { props[k] = v }
        producer = try KafkaProducer(properties: props, logger: Logger(label: "test.feed"))
    }

    var remaining: Int { messages.count - cursor }

    /// Produces messages up to index `end` (exclusive); with `flush` waits until the broker
    /// acknowledged them.
    func produce(upTo end: Int, flush: Bool = true) throws {
        let end = min(end, messages.count)
        while cursor < end {
            let message = messages[cursor]
            try producer.produce(
                topic: message.topic == .audit ? DaemonHarness.auditTopic : DaemonHarness.gatewayTopic,
                key: message.key, value: message.value
            )
            cursor += 1
        }
        if flush { try self.flush() }
    }

    /// Waits until every produced message is acknowledged.
    func flush() throws {
        try producer.flush(timeoutMs: 120_000)
    }
}
