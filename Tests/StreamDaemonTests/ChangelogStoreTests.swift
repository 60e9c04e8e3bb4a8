import Aggregation
import Foundation
import Logging
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// `ChangelogStore` against librdkafka's embedded cluster (3 brokers): chunked publish,
/// byte-identical restore, superseding manifests, and what a lost chunk does.
@Suite("Changelog store", .serialized)
struct ChangelogStoreTests {
    static let logger = Logger(label: "test.changelog")
    static let source = PartitionKey(topic: "aura.audit", partition: 3)

    /// A cluster with a 16-partition changelog topic (4 manifest + 12 chunk partitions).
    static func open() throws -> (EmbeddedKafkaCluster, ChangelogStore, KafkaProducer) {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
        try cluster.createTopic("aura.changelog", partitions: 16)
        let properties = ["bootstrap.servers": cluster.bootstrapServers]
        let producer = try KafkaProducer(
            properties: properties.merging(["acks": "all", "linger.ms": "1"]) { $1 }, logger: logger)
        let reader = try KafkaPartitionReader(properties: properties, logger: logger)
        return (
            cluster, try ChangelogStore(topic: "aura.changelog", producer: producer, reader: reader, logger: logger),
            producer
        )
    }

    @Test("a state that needs several chunks is restored byte-identical, and a newer manifest supersedes an older one")
    func roundTripAndSupersede() throws {
        let (cluster, store, _) = try Self.open()
        _ = cluster
        let first = try SyntheticPartitionState.make(Self.source, events: 150_000, seed: 7)
        let firstBytes = CheckpointCodec.encode(first)
        let m1 = try store.publish(Self.source, encoded: firstBytes, nextOffset: 150_000, watermarkMs: nil)
        #expect(m1.chunks.count >= 2, "\(m1.compressedLength) compressed bytes fit one chunk: use more keys")
        #expect(m1.generation == 1)
        // Chunks only in chunk partitions, the manifest in a manifest partition.
        #expect(m1.chunks.allSatisfy { $0.partition >= Int32(store.manifestPartitions) })

        // A separate reader (another instance) finds it and restores the exact bytes.
        let (_, high) = try store.reader.watermarks(
            PartitionKey(topic: "aura.changelog", partition: store.manifestPartition(Self.source)))
        #expect(high == 1)
        let other = try ChangelogStore(
            topic: "aura.changelog", producer: store.producer,
            reader: KafkaPartitionReader(
                properties: ["bootstrap.servers": cluster.bootstrapServers], logger: Self.logger),
            logger: Self.logger)
        let found = try other.latest([Self.source])
        #expect(found[Self.source]?.generation == 1)
        #expect(found[Self.source]?.chunks == m1.chunks)
        let newestFound = try #require(found[Self.source])
        let restored = try #require(
            try other.restore(Self.source, manifests: [newestFound], zones: SyntheticPartitionState.zones()))
        #expect(restored.encoded == firstBytes)
        #expect(CheckpointCodec.encode(restored.state) == firstBytes)
        #expect(restored.state.dedup.count == 150_000)

        // A newer state supersedes it; the reader sees both, newest last.
        let second = try SyntheticPartitionState.make(Self.source, events: 160_000, seed: 7)
        let secondBytes = CheckpointCodec.encode(second)
        let m2 = try store.publish(Self.source, encoded: secondBytes, nextOffset: 160_000, watermarkMs: 42)
        #expect(m2.generation == 2)
        let manifests = try #require(try other.manifests(for: [Self.source])[Self.source])
        #expect(manifests.map(\.generation) == [1, 2])
        #expect(manifests.last?.nextOffset == 160_000)
        #expect(manifests.last?.watermarkMs == 42)
        let newest = try #require(
            try other.restore(Self.source, manifests: manifests, zones: SyntheticPartitionState.zones()))
        #expect(newest.manifest.generation == 2)
        #expect(newest.encoded == secondBytes)
        // The other instance's next publish continues the generation sequence.
        let m3 = try other.publish(Self.source, encoded: secondBytes, nextOffset: 160_000, watermarkMs: 42)
        #expect(m3.generation == 3)
    }

    @Test("a chunk evicted from the log is an error naming its key, and restore falls back to the previous manifest")
    func evictedChunk() throws {
        let (cluster, store, producer) = try Self.open()
        _ = cluster
        let older = CheckpointCodec.encode(try SyntheticPartitionState.make(Self.source, events: 100_000, seed: 3))
        let newer = CheckpointCodec.encode(try SyntheticPartitionState.make(Self.source, events: 100_000, seed: 4))
        let m1 = try store.publish(Self.source, encoded: older, nextOffset: 100_000, watermarkMs: nil)
        let m2 = try store.publish(Self.source, encoded: newer, nextOffset: 100_000, watermarkMs: nil)
        let victim = try #require(m2.chunks.last)
        try #require(
            !m1.chunks.contains { $0.partition == victim.partition },
            "the test needs a partition only the newer state uses")

        // The embedded cluster keeps 5 MiB per partition: 6 MiB more pushes the chunk out.
        var junk = [UInt8](repeating: 0, count: 500_000)
        var seed: UInt64 = 99
        for i in junk.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            junk[i] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        _ = try producer.produceAndWait(
            (0..<13).map { i in
                OutgoingRecord(
                    topic: "aura.changelog", partition: victim.partition, key: Array("junk-\(i)".utf8), value: junk)
            })
        let (low, _) = try store.reader.watermarks(PartitionKey(topic: "aura.changelog", partition: victim.partition))
        try #require(low > victim.offset, "the embedded cluster did not evict (log start \(low))")

        let key = ChangelogStore.chunkKey(Self.source, generation: m2.generation, index: m2.chunks.count - 1)
        #expect {
            _ = try store.fetch(m2)
        } throws: { error in
            "\(error)".contains("changelog chunk \(key) is gone")
        }
        let restored = try #require(
            try store.restore(Self.source, manifests: [m1, m2], zones: SyntheticPartitionState.zones()))
        #expect(restored.manifest.generation == m1.generation)
        #expect(restored.encoded == older)
        // With only the broken manifest there is nothing to fall back on.
        #expect(throws: DaemonError.self) {
            _ = try store.restore(Self.source, manifests: [m2], zones: SyntheticPartitionState.zones())
        }
    }
}
