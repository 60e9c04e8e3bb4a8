import Aggregation
import Foundation
import Logging
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Tests against librdkafka's mock cluster: a real client, the real protocol, over loopback.
@Suite("Kafka bridge against the embedded broker", .serialized)
struct KafkaRoundTripTests {
    let logger = Logger(label: "test.kafka")

    /// Consumer properties for tests: the mock's group rebalance waits session.timeout.ms − 1 s.
    func consumerProperties(_ bootstrap: String, group: String) -> [String: String] {
        [
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": "6000",
            "fetch.wait.max.ms": "10",
        ]
    }

    func producerProperties(_ bootstrap: String) -> [String: String] {
        ["bootstrap.servers": bootstrap, "linger.ms": "5", "compression.codec": "lz4"]
    }

    /// Polls until `count` messages arrived or `deadline` passed; returns what arrived.
    func consume(_ consumer: KafkaConsumer, count: Int, within seconds: Double) throws -> [(
        PartitionKey, Int64, [UInt8], [UInt8]
    )] {
        var received: [(PartitionKey, Int64, [UInt8], [UInt8])] = []
        let deadline = Date().addingTimeInterval(seconds)
        while received.count < count && Date() < deadline {
            _ = try consumer.poll(maxMessages: 10_000, timeoutMs: 100) { message in
                received.append(
                    (
                        message.topicPartition, message.offset,
                        Array(message.key ?? UnsafeRawBufferPointer(start: nil, count: 0)), Array(message.value)
                    ))
            }
        }
        return received
    }

    @Test("10,000 messages produced with librdkafka come back exactly once through a consumer group")
    func produceAndConsumeTenThousand() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
        try cluster.createTopic("aura.test.roundtrip", partitions: 8)
        let bootstrap = cluster.bootstrapServers
        let props = producerProperties(bootstrap)
        let logger = self.logger
        try await Blocking.run {
            let producer = try KafkaProducer(properties: props, logger: logger)
            for i in 0..<10_000 {
                let key = Array("key-\(i)".utf8)
                let value = Array("value-\(i)-".utf8) + [UInt8](repeating: UInt8(i % 251), count: i % 97)
                try producer.produce(topic: "aura.test.roundtrip", key: key, value: value)
            }
            try producer.flush(timeoutMs: 30_000)
        }
        let consumerProps = consumerProperties(bootstrap, group: "roundtrip")
        let received = try await Blocking.run {
            let consumer = try KafkaConsumer(properties: consumerProps, logger: logger)
            try consumer.subscribe(["aura.test.roundtrip"])
            let received = try self.consume(consumer, count: 10_000, within: 60)
            // Nothing beyond the 10,000 may follow.
            let extra = try self.consume(consumer, count: 1, within: 0.5)
            try consumer.close()
            return received + extra
        }
        #expect(received.count == 10_000)
        var seen = Set<Int>()
        for (tp, _, key, value) in received {
            let k = String(decoding: key, as: UTF8.self)
            let i = try #require(Int(k.dropFirst(4)))
            let expected = Array("value-\(i)-".utf8) + [UInt8](repeating: UInt8(i % 251), count: i % 97)
            #expect(value == expected, "payload of \(k) on \(tp)")
            seen.insert(i)
        }
        #expect(seen == Set(0..<10_000))
        // The keyed partitioner spread the keys over all 8 partitions.
        #expect(Set(received.map(\.0.partition)).count == 8)
    }

    @Test("offsets committed by one consumer are where the next consumer of the group resumes")
    func committedOffsetsSurviveRestart() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("aura.test.resume", partitions: 4)
        let bootstrap = cluster.bootstrapServers
        let producerProps = producerProperties(bootstrap)
        let consumerProps = consumerProperties(bootstrap, group: "resume")
        let logger = self.logger
        let produce: @Sendable (Range<Int>) async throws -> Void = { range in
            try await Blocking.run {
                let producer = try KafkaProducer(properties: producerProps, logger: logger)
                for i in range {
                    try producer.produce(
                        topic: "aura.test.resume", key: Array("k\(i)".utf8), value: Array("m\(i)".utf8))
                }
                try producer.flush(timeoutMs: 30_000)
            }
        }
        try await produce(0..<1_000)

        // First consumer: read everything, commit the next offset of every partition, leave.
        let committedByFirst = try await Blocking.run { () -> [PartitionKey: Int64] in
            let consumer = try KafkaConsumer(properties: consumerProps, logger: logger)
            try consumer.subscribe(["aura.test.resume"])
            let received = try self.consume(consumer, count: 1_000, within: 60)
            var next: [PartitionKey: Int64] = [:]
            for (tp, offset, _, _) in received { next[tp] = max(next[tp] ?? 0, offset + 1) }
            try consumer.commit(next)
            let readBack = try consumer.committed(Array(next.keys), timeoutMs: 10_000)
            for (tp, offset) in next { precondition(readBack[tp] == offset, "commit of \(tp) not visible") }
            try consumer.close()
            #expect(received.count == 1_000)
            return next
        }
        #expect(committedByFirst.values.reduce(0, +) == 1_000)

        try await produce(1_000..<1_500)

        // Second consumer, same group: starts from the committed offsets, so sees only the new 500.
        let second = try await Blocking.run {
            let consumer = try KafkaConsumer(properties: consumerProps, logger: logger)
            try consumer.subscribe(["aura.test.resume"])
            let received = try self.consume(consumer, count: 500, within: 60)
            let extra = try self.consume(consumer, count: 1, within: 0.5)
            try consumer.close()
            return received + extra
        }
        let values = Set(second.map { String(decoding: $0.3, as: UTF8.self) })
        #expect(second.count == 500)
        #expect(values == Set((1_000..<1_500).map { "m\($0)" }))
        for (tp, offset, _, _) in second {
            #expect(offset >= committedByFirst[tp] ?? 0, "\(tp) re-read offset \(offset) before the commit")
        }
    }
}
