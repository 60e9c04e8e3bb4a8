import Aggregation
import Foundation
import Logging
import Prometheus
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// The dead-letter topic's deliveries are confirmed before the checkpoint that follows.
@Suite("Quarantine dead-letter confirmation against the embedded broker", .serialized)
struct QuarantineDeadLetterTests {
    let logger = Logger(label: "test.dead-letter")
    static let topic = "aura.dead-letter"

    /// The values on `topic`, read by a client of its own.
    func values(_ cluster: EmbeddedKafkaCluster) throws -> [[UInt8]] {
        let reader = try KafkaPartitionReader(
            properties: ["bootstrap.servers": cluster.bootstrapServers], logger: logger)
        let tp = PartitionKey(topic: Self.topic, partition: 0)
        let (_, high) = try reader.watermarks(tp)
        var values: [[UInt8]] = []
        try reader.read(tp, from: 0, until: high) { values.append($0.value) }
        return values
    }

    @Test(
        "a dead-letter delivery that times out (broker down) makes makeDurable throw and counts it; once the broker is back the records are produced again"
    )
    func failedDeliveryFailsTheCheckpoint() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic(Self.topic, partitions: 1)
        let producer = try KafkaProducer(
            properties: [
                "bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5", "message.timeout.ms": "1500",
                "reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "200",
            ], logger: logger)
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        let writer = try QuarantineWriter(path: nil, topic: Self.topic, producer: producer, metrics: metrics)
        let sent = (0..<3).map { Array("bad-\($0)".utf8) }
        func park(_ values: [[UInt8]], from first: Int64) throws {
            for (i, value) in values.enumerated() {
                try value.withUnsafeBytes { v in
                    try writer.quarantine(
                        topic: "aura.audit", partition: 0, offset: first + Int64(i), reason: "wrong-magic",
                        detail: "", key: nil, value: v)
                }
            }
        }
        // Delivered: confirmed.
        try park([sent[0]], from: 0)
        try writer.drain().makeDurable()
        #expect(try values(cluster) == [sent[0]])

        // Not deliverable (the broker is down; the delivery reports say timed out): the
        // checkpoint's durability step throws and the records stay.
        try park(Array(sent[1...]), from: 1)
        let durability = try writer.drain()
        try cluster.setBroker(1, up: false)
        #expect(throws: DaemonError.self) { try durability.makeDurable() }
        #expect(durability.outbox?.unconfirmed == 2, "both unconfirmed records kept for the next attempt")
        var exposition: [UInt8] = []
        metrics.registry.emit(into: &exposition)
        let failures = String(decoding: exposition, as: UTF8.self).split(separator: "\n").first {
            $0.hasPrefix("aura_dead_letter_failures_total ")
        }
        #expect((failures?.split(separator: " ").last).flatMap { Double($0) } ?? 0 >= 1, "\(failures ?? "none")")

        // The broker back, a next checkpoint's attempt (retried until the client reconnected)
        // produces them again; they are confirmed and leave.
        try cluster.setBroker(1, up: true)
        let deadline = Date().addingTimeInterval(30)
        var confirmed = false
        while !confirmed, Date() < deadline {
            confirmed = (try? writer.drain().makeDurable()) != nil
        }
        #expect(confirmed, "the dead-letter records were not confirmed within 30 s of the broker's return")
        #expect(durability.outbox?.unconfirmed == 0)
        let delivered = try values(cluster)
        #expect(Set(delivered) == Set(sent), "every record reached the dead-letter topic")
        #expect(delivered.first == sent[0])
    }
}
