import Aggregation
import Foundation
import Logging
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Changelog deltas against librdkafka's embedded cluster: checkpoints of an incremental local
/// store published as written (a base, then delta records of its chain), restored byte for byte,
/// and what a missing, evicted, out-of-order or foreign delta does.
@Suite("Changelog deltas", .serialized)
struct ChangelogDeltaTests {
    static let source = ChangelogStoreTests.source

    /// A local incremental store and the state it checkpoints, publishing each checkpoint.
    struct Publisher {
        let changelog: ChangelogStore
        let store: CheckpointStore
        var state: PartitionState
        var events: Int

        init(_ changelog: ChangelogStore, events: Int, seed: UInt64, maxDeltas: UInt64 = .max) throws {
            self.changelog = changelog
            store = CheckpointStore(
                directory: NSTemporaryDirectory() + "aura-changelog-delta-\(UUID().uuidString)", name: "aura.audit-3",
                maxDeltas: maxDeltas)
            state = try SyntheticPartitionState.make(ChangelogDeltaTests.source, events: events, seed: seed)
            self.events = events
        }

        /// Adds `events` new events (none for the first checkpoint), checkpoints locally, publishes.
        mutating func checkpoint(adding count: Int = 0, seed: UInt64) throws -> (
            CheckpointStore.Encoded, ChangelogManifest
        ) {
            try SyntheticPartitionState.add(
                to: &state, ChangelogDeltaTests.source, events: events..<events + count, seed: seed)
            events += count
            let encoded = store.encode(&state)
            try store.save(encoded)
            let manifest = try changelog.publish(
                ChangelogDeltaTests.source, checkpoint: encoded, nextOffset: Int64(events), watermarkMs: nil)
            return (encoded, manifest)
        }
    }

    /// Snapshot equality as a Bool (an expectation on the values would print every dedup key).
    static func same(_ state: PartitionState, _ snapshot: StateSnapshot) -> Bool { state.snapshot() == snapshot }

    static func nextOffset(_ state: PartitionState) -> Int64? {
        state.partitions.first { $0.key == source }?.nextOffset
    }

    @Test("a base and its deltas restore byte for byte to the local state; a delta publishes only the change")
    func restoreEqualsLocal() throws {
        let (cluster, changelog, _) = try ChangelogStoreTests.open()
        var publisher = try Publisher(changelog, events: 30_000, seed: 11, maxDeltas: 3)
        let (e0, m0) = try publisher.checkpoint(seed: 11)
        #expect(!e0.isDelta && m0.sequence == 0 && m0.base == m0.generation && m0.version == 1)
        var deltas: [ChangelogManifest] = []
        for k in 1...3 {
            let (e, m) = try publisher.checkpoint(adding: 500, seed: 11)
            #expect(e.isDelta && e.sequence == UInt64(k))
            #expect(m.sequence == UInt64(k) && m.base == m0.generation && m.chain == m0.chain && m.version == 2)
            #expect(
                m.compressedLength * 20 < m0.compressedLength,
                "delta \(k): \(m.compressedLength) bytes against a base of \(m0.compressedLength)")
            deltas.append(m)
        }
        // The local state as its store loads it (base + 3 delta records); the live state means the
        // same (its dedup table may be laid out differently: compared by snapshot).
        let loaded = try publisher.store.load(zones: SyntheticPartitionState.zones())
        #expect(loaded.deltas == 3)
        let local = CheckpointCodec.encode(loaded.state)
        #expect(Self.same(loaded.state, publisher.state.snapshot()))

        // Another instance restores base + 3 deltas: the same bytes as the local state.
        let reader = try ChangelogStore(
            topic: "aura.changelog", producer: changelog.producer,
            reader: KafkaPartitionReader(
                properties: ["bootstrap.servers": cluster.bootstrapServers], logger: ChangelogStoreTests.logger),
            logger: ChangelogStoreTests.logger)
        let list = try #require(try reader.manifests(for: [Self.source])[Self.source])
        #expect(list.map(\.generation) == [m0.generation] + deltas.map(\.generation))
        let restored = try #require(
            try reader.restore(Self.source, manifests: list, zones: SyntheticPartitionState.zones()))
        #expect(restored.deltas == 3 && restored.skipped.isEmpty)
        #expect(restored.manifest.generation == deltas[2].generation)
        let identical = CheckpointCodec.encode(restored.state) == local
        #expect(identical, "restored from the changelog: not the bytes of the local checkpoint")
        let encodedIdentical = restored.encoded == local
        #expect(encodedIdentical)
        #expect(Self.same(restored.state, publisher.state.snapshot()))
        #expect(Self.nextOffset(restored.state) == 31_500)

        // After 3 deltas (maxDeltas) the next checkpoint is a new base, with a new chain.
        let (e4, m4) = try publisher.checkpoint(adding: 500, seed: 11)
        #expect(!e4.isDelta && m4.sequence == 0 && m4.chain != m0.chain)
        let (_, m5) = try publisher.checkpoint(adding: 500, seed: 11)
        #expect(m5.sequence == 1 && m5.base == m4.generation)
        let newer = try #require(try reader.manifests(for: [Self.source])[Self.source])
        #expect(newer.map(\.generation) == Array(1...6), "both chains kept")
        let again = try #require(
            try reader.restore(Self.source, manifests: newer, zones: SyntheticPartitionState.zones()))
        #expect(again.baseManifest.generation == m4.generation && again.deltas == 1)
        let againIdentical =
            CheckpointCodec.encode(again.state)
            == CheckpointCodec.encode(try publisher.store.load(zones: SyntheticPartitionState.zones()).state)
        #expect(againIdentical)

        // A delta that does not follow the last record published is refused before any produce.
        #expect {
            try changelog.publish(
                Self.source, checkpoint: .init(bytes: e0.bytes, generation: e4.generation, sequence: 5),
                nextOffset: 0, watermarkMs: nil)
        } throws: { "\($0)".contains("does not follow the last record published") }
    }

    @Test("a missing, evicted, out-of-order or foreign delta: the state of the record before it, never counted twice")
    func fallback() throws {
        let (cluster, changelog, producer) = try ChangelogStoreTests.open()
        _ = cluster
        let zones = try SyntheticPartitionState.zones()
        var publisher = try Publisher(changelog, events: 20_000, seed: 5)
        var snapshots: [StateSnapshot] = []
        var manifests: [ChangelogManifest] = []
        for k in 0...3 {
            let (_, m) = try publisher.checkpoint(adding: k == 0 ? 0 : 400, seed: 5)
            manifests.append(m)
            snapshots.append(publisher.state.snapshot())
        }
        let (m0, m1, m2, m3) = (manifests[0], manifests[1], manifests[2], manifests[3])

        // Gap: delta 2 never arrived. The state is base + delta 1, resuming at delta 1's offset.
        let gap = try #require(try changelog.restore(Self.source, manifests: [m0, m1, m3], zones: zones))
        #expect(gap.deltas == 1 && gap.manifest.generation == m1.generation)
        #expect(Self.same(gap.state, snapshots[1]))
        #expect(Self.nextOffset(gap.state) == m1.nextOffset)
        #expect(gap.skipped.map(\.message).first?.contains("delta 2 of base \(m0.generation)") == true)
        #expect(gap.skipped.map(\.message).first?.contains("is missing") == true)

        // Out of order: delta 3's record offered as delta 2 is refused by its own header.
        var shifted = m3
        shifted.sequence = 2
        let order = try #require(try changelog.restore(Self.source, manifests: [m0, m1, shifted], zones: zones))
        #expect(order.deltas == 1 && Self.same(order.state, snapshots[1]))
        #expect(order.skipped.first?.message.contains("refused") == true)
        #expect(order.skipped.first?.message.contains("expected number 2") == true)

        // Another generation: the records name checkpoint generation 1, the chain claims 99.
        var foreign = [m0, m1, m2, m3]
        for i in foreign.indices { foreign[i].checkpointGeneration = 99 }
        let other = try #require(try changelog.restore(Self.source, manifests: foreign, zones: zones))
        #expect(other.deltas == 0 && Self.same(other.state, snapshots[0]))
        #expect(other.skipped.first?.message.contains("of generation 99") == true)
        // Another chain: its deltas do not attach to the base at all.
        var stranger = m1
        stranger.chain = (m1.chain ?? 0) &+ 1
        let chained = try #require(try changelog.restore(Self.source, manifests: [m0, stranger], zones: zones))
        #expect(chained.deltas == 0 && Self.same(chained.state, snapshots[0]))

        // Evicted: delta 2's chunk pushed out of the log (the cluster keeps 5 MiB per partition).
        let victim = try #require(m2.chunks.first)
        try #require(
            ![m0, m1, m3].contains { $0.chunks.contains { $0.partition == victim.partition } },
            "the test needs a partition only delta 2 uses")
        let junk = [UInt8](repeating: 0x5a, count: 500_000)
        _ = try producer.produceAndWait(
            (0..<13).map { i in
                OutgoingRecord(
                    topic: "aura.changelog", partition: victim.partition, key: Array("junk-\(i)".utf8), value: junk)
            })
        let evicted = try #require(try changelog.restore(Self.source, manifests: manifests, zones: zones))
        #expect(evicted.deltas == 1 && Self.same(evicted.state, snapshots[1]))
        let key = ChangelogStore.chunkKey(Self.source, generation: m2.generation, index: 0)
        #expect(evicted.skipped.first?.message.contains("changelog chunk \(key) is gone") == true)
    }
}
