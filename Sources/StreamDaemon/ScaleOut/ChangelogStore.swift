package import Aggregation
import Foundation
package import KafkaBridge
package import Logging
import Synchronization

/// Partition states in a Kafka changelog topic, so that any instance of the consumer group can
/// take a partition over with no shared disk.
///
/// Layout over the topic's N partitions: the first M = max(1, N/4) hold only manifests (key
/// `<topic>-<partition>`, in partition hash(key) mod M), the others hold the chunks of the
/// compressed state (key `<topic>-<partition>/<generation>/<i>`, ≤ `chunkSize` bytes each,
/// round-robin from a hash of the key). A publish writes the chunks, waits for their
/// acknowledgements, then writes the manifest and waits again: a manifest only ever names
/// chunks that are in the log. Keeping manifests apart from the bulky chunks means a scan for
/// the newest manifests reads a few hundred bytes per publish, and (on librdkafka's embedded
/// cluster, which keeps only 5 MiB per partition and does not compact) chunk traffic never
/// pushes a manifest out of the log.
///
/// Thread-safe: publishes (checkpoint thread) and reads (consumer thread, closers) may overlap;
/// the manifest cache and generation counters are behind a `Mutex`.
package final class ChangelogStore: Sendable {
    package let topic: String
    package let partitionCount: Int
    package let manifestPartitions: Int
    package let producer: KafkaProducer
    package let reader: KafkaPartitionReader
    package let logger: Logger
    /// Largest chunk value: below the default broker and client message limits (1,000,000).
    package static let chunkSize = 900_000

    private struct Cache {
        /// Next offset to scan, per manifest partition.
        package var scanned: [Int32: Int64] = [:]
        /// The newest manifests per source partition, oldest first (at most `kept`).
        package var manifests: [PartitionKey: [ChangelogManifest]] = [:]
        /// Highest generation seen or written, per source partition.
        package var generations: [PartitionKey: UInt64] = [:]
        /// Manifests this process published, per source partition (the last `kept`).
        package var published: [PartitionKey: [ChangelogManifest]] = [:]
    }

    private let cache = Mutex(Cache())
    /// Older manifests kept per partition, to fall back on when the newest one's chunks are gone.
    package static let kept = 3

    /// Opens the changelog `topic`, which must exist (see `KafkaPartitionReader.ensureTopic`)
    /// with at least 2 partitions.
    package init(topic: String, producer: KafkaProducer, reader: KafkaPartitionReader, logger: Logger) throws {
        guard let count = try reader.partitionCount(topic) else {
            throw DaemonError(.configuration, "the changelog topic does not exist", source: topic)
        }
        guard count >= 2 else {
            throw DaemonError(
                .configuration, "the changelog topic needs at least 2 partitions (has \(count))", source: topic)
        }
        self.topic = topic
        partitionCount = count
        manifestPartitions = max(1, count / 4)
        self.producer = producer
        self.reader = reader
        self.logger = logger
    }

    // MARK: Keys and placement

    package static func key(_ tp: PartitionKey) -> String { "\(tp.topic)-\(tp.partition)" }

    package static func chunkKey(_ tp: PartitionKey, generation: UInt64, index: Int) -> String {
        "\(key(tp))/\(generation)/\(index)"
    }

    /// FNV-1a over the key's UTF-8 bytes (stable across processes and versions, unlike `Hasher`).
    package static func hash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    package func manifestPartition(_ tp: PartitionKey) -> Int32 {
        Int32(Self.hash(Self.key(tp)) % UInt64(manifestPartitions))
    }

    package func chunkPartition(_ tp: PartitionKey, generation: UInt64, index: Int) -> Int32 {
        let chunkPartitions = UInt64(partitionCount - manifestPartitions)
        return Int32(manifestPartitions)
            + Int32((Self.hash(Self.key(tp)) &+ generation &+ UInt64(index)) % chunkPartitions)
    }

    // MARK: Publish

    /// Publishes `encoded` (checkpoint bytes of `tp`'s state) and blocks until the broker has
    /// acknowledged its chunks and then its manifest. Returns the manifest.
    /// - Throws: `.kafkaProduce` when a record is refused or not acknowledged in time: the
    ///   state is then not in the changelog and its offsets must not be committed.
    @discardableResult
    package func publish(_ tp: PartitionKey, encoded: [UInt8], nextOffset: Int64, watermarkMs: Int64?) throws
        -> ChangelogManifest
    {
        let compressed = try ChangelogCompression.compress(encoded)
        let generation = try cache.withLock { c throws(DaemonError) -> UInt64 in
            // Manifests read are validated (generation ≤ 2^63 − 1), so this cannot overflow
            // unless this process published 2^63 times; checked anyway.
            let (g, overflow) = (c.generations[tp] ?? 0).addingReportingOverflow(1)
            guard !overflow else {
                throw DaemonError(
                    .checkpoint, "changelog generation of \(tp) cannot grow past \(UInt64.max)", source: topic)
            }
            c.generations[tp] = g
            return g
        }
        let key = Self.key(tp)
        let records = chunkRecords(tp, generation: generation, compressed: compressed)
        let offsets = try producer.produceAndWait(records)
        let crc = compressed.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        let manifest = ChangelogManifest(
            topic: tp.topic, partition: tp.partition, generation: generation, nextOffset: nextOffset,
            watermarkMs: watermarkMs,
            compressedLength: compressed.count, length: encoded.count, crc32: crc,
            chunks: zip(records, offsets).map { ChangelogManifest.Chunk(partition: $0.partition, offset: $1) }
        )
        let value: [UInt8]
        do { value = Array(try Self.encoder.encode(manifest)) } catch {
            throw DaemonError(.checkpoint, "cannot encode the changelog manifest: \(error)", source: key)
        }
        _ = try producer.produceAndWait([
            OutgoingRecord(topic: topic, partition: manifestPartition(tp), key: Array(key.utf8), value: value)
        ])
        retireOldGenerations(tp, after: manifest)
        return manifest
    }

    /// The chunk records of one publish: `compressed` cut into `chunkSize` pieces, each keyed by
    /// partition, generation and index.
    private func chunkRecords(_ tp: PartitionKey, generation: UInt64, compressed: [UInt8]) -> [OutgoingRecord] {
        var records: [OutgoingRecord] = []
        var start = 0
        var index = 0
        repeat {
            let end = min(compressed.count, start + Self.chunkSize)
            records.append(
                OutgoingRecord(
                    topic: topic, partition: chunkPartition(tp, generation: generation, index: index),
                    key: Array(Self.chunkKey(tp, generation: generation, index: index).utf8),
                    value: Array(compressed[start..<end])
                ))
            start = end
            index += 1
        } while start < compressed.count
        return records
    }

    /// Keeps the last `kept` generations readable; tombstones the chunk keys of older ones so
    /// that a compacted changelog does not grow with every publish (generations are in the
    /// chunk keys, so nothing else ever overwrites them). A failure only costs space: logged.
    private func retireOldGenerations(_ tp: PartitionKey, after manifest: ChangelogManifest) {
        let retired: ChangelogManifest? = cache.withLock { c in
            // After a takeover, the generations the previous owner published (as read) count too.
            var list = c.published[tp] ?? (c.manifests[tp] ?? []).filter { $0.generation < manifest.generation }
            list.append(manifest)
            let old = list.count > Self.kept ? list.removeFirst() : nil
            c.published[tp] = list
            return old
        }
        if let retired {
            do {
                _ = try producer.produceAndWait(
                    retired.chunks.enumerated().map { i, chunk in
                        OutgoingRecord(
                            topic: topic, partition: chunk.partition,
                            key: Array(Self.chunkKey(tp, generation: retired.generation, index: i).utf8), value: [],
                            tombstone: true)
                    })
            } catch {
                logger.warning(
                    "cannot tombstone old changelog chunks (compaction keeps them)",
                    metadata: ["partition": "\(tp)", "error": "\(error)"])
            }
        }
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    // MARK: Manifests

    /// The newest manifests of `keys` (oldest first, up to `kept` each), reading every manifest
    /// partition they live in up to its high watermark. Reads are incremental: records scanned
    /// once are not read again.
    package func manifests(for keys: [PartitionKey]) throws -> [PartitionKey: [ChangelogManifest]] {
        let partitions = Set(keys.map(manifestPartition))
        for p in partitions.sorted() { try scan(manifestPartition: p) }
        return cache.withLock { c in
            var found: [PartitionKey: [ChangelogManifest]] = [:]
            for key in keys { if let m = c.manifests[key] { found[key] = m } }
            return found
        }
    }

    /// The newest manifest of each of `keys` that has one.
    package func latest(_ keys: [PartitionKey]) throws -> [PartitionKey: ChangelogManifest] {
        try manifests(for: keys).compactMapValues(\.last)
    }

    private func scan(manifestPartition p: Int32) throws {
        let tp = PartitionKey(topic: topic, partition: p)
        let from = cache.withLock { $0.scanned[p] ?? 0 }
        let (_, high) = try reader.watermarks(tp)
        guard high > from else { return }
        var found: [ChangelogManifest] = []
        do {
            try reader.read(tp, from: from, until: high) { record in
                guard !record.key.contains(UInt8(ascii: "/")) else { return }  // not a manifest
                do {
                    guard
                        var manifest = try ChangelogManifest.decode(
                            record.value, source: "\(topic)/\(p)@\(record.offset)")
                    else { return }  // a newer format version
                    manifest.location = .init(partition: p, offset: record.offset)
                    found.append(manifest)
                } catch {
                    logger.warning(
                        "skipping an unreadable changelog manifest",
                        metadata: [
                            "partition": "\(tp)", "offset": "\(record.offset)", "error": "\(error)",
                        ])
                }
            }
        } catch let error as DaemonError {
            throw error
        } catch {
            throw DaemonError(.kafkaConsume, "\(error)", source: "\(tp)")
        }
        cache.withLock { c in
            for manifest in found {
                let key = manifest.source
                var list = c.manifests[key] ?? []
                list.append(manifest)
                if list.count > Self.kept { list.removeFirst(list.count - Self.kept) }
                c.manifests[key] = list
                c.generations[key] = max(c.generations[key] ?? 0, manifest.generation)
            }
            c.scanned[p] = max(c.scanned[p] ?? 0, high)
        }
    }

    // MARK: States

    /// The checkpoint bytes a manifest describes, read chunk by chunk and verified (length and
    /// CRC-32 of the compressed value, then inflated to the recorded length).
    /// - Throws: `.checkpoint` naming the chunk key when a chunk is gone (evicted or never
    ///   written) or does not match.
    package func fetch(_ manifest: ChangelogManifest) throws -> [UInt8] {
        let tp = manifest.source
        // Every chunk partition is fetched in parallel; a chunk outside its partition's log
        // (evicted, or never written) is reported by key before anything is read.
        var byPartition: [Int32: [(index: Int, offset: Int64)]] = [:]
        for (i, chunk) in manifest.chunks.enumerated() {
            byPartition[chunk.partition, default: []].append((i, chunk.offset))
        }
        try checkChunksInLog(manifest, byPartition: byPartition)
        let records: [Int32: [Int64: ReadRecord]]
        do {
            records = try reader.read(topic: topic, offsets: byPartition.mapValues { $0.map(\.offset) })
        } catch {
            throw DaemonError(
                .checkpoint,
                "cannot read changelog chunks of \(Self.key(tp)) generation \(manifest.generation): \(error.message)",
                source: topic)
        }
        let compressed = try assemble(manifest, records: records)
        let crc = compressed.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        guard crc == manifest.crc32 else {
            throw DaemonError(
                .checkpoint, "changelog state of \(Self.key(tp)) generation \(manifest.generation) fails its checksum",
                source: topic)
        }
        return try ChangelogCompression.decompress(
            compressed, length: manifest.length, source: "\(topic) \(Self.key(tp)) generation \(manifest.generation)")
    }

    /// Reports, by key, a chunk outside its partition's log (evicted, or never written) before
    /// anything is read.
    private func checkChunksInLog(
        _ manifest: ChangelogManifest, byPartition: [Int32: [(index: Int, offset: Int64)]]
    ) throws {
        let tp = manifest.source
        for (p, wanted) in byPartition.sorted(by: { $0.key < $1.key }) {
            let ctp = PartitionKey(topic: topic, partition: p)
            let (low, high) = try reader.watermarks(ctp)
            for (i, offset) in wanted where offset < low || offset >= high {
                throw DaemonError(
                    .checkpoint,
                    "changelog chunk \(Self.chunkKey(tp, generation: manifest.generation, index: i)) is gone: offset \(offset) is outside the log (\(low)..<\(high)), evicted or never written",
                    source: "\(ctp)")
            }
        }
    }

    /// The manifest's chunks in order, each checked to hold its own key, concatenated; their
    /// total length must be the manifest's.
    private func assemble(_ manifest: ChangelogManifest, records: [Int32: [Int64: ReadRecord]]) throws -> [UInt8] {
        let tp = manifest.source
        var compressed: [UInt8] = []
        var values = [[UInt8]?](repeating: nil, count: manifest.chunks.count)
        for (i, chunk) in manifest.chunks.enumerated() {
            guard let record = records[chunk.partition]?[chunk.offset] else { continue }
            let expected = Self.chunkKey(tp, generation: manifest.generation, index: i)
            guard record.key.elementsEqual(expected.utf8) else {
                throw DaemonError(
                    .checkpoint,
                    "changelog offset \(chunk.offset) holds key \(String(decoding: record.key, as: UTF8.self)), not the chunk \(expected)",
                    source: "\(topic)/\(chunk.partition)")
            }
            values[i] = record.value
        }
        // Sized by the bytes that arrived, not by the manifest's word.
        compressed.reserveCapacity(values.reduce(0) { $0 + ($1?.count ?? 0) })
        for (i, value) in values.enumerated() {
            guard let value else {
                let chunk = manifest.chunks[i]
                throw DaemonError(
                    .checkpoint,
                    "changelog chunk \(Self.chunkKey(tp, generation: manifest.generation, index: i)) is missing (evicted or never written) at \(topic)/\(chunk.partition) offset \(chunk.offset)",
                    source: topic)
            }
            compressed.append(contentsOf: value)
        }
        guard compressed.count == manifest.compressedLength else {
            throw DaemonError(
                .checkpoint,
                "changelog state of \(Self.key(tp)) generation \(manifest.generation) has \(compressed.count) bytes, its manifest says \(manifest.compressedLength)",
                source: topic)
        }
        return compressed
    }

    /// A restored partition state: its checkpoint bytes, decoded state and manifest.
    package struct Restored {
        package var manifest: ChangelogManifest
        package var encoded: [UInt8]
        package var state: PartitionState
    }

    /// The newest readable state of `tp` among `manifests` (oldest first): each newer one that
    /// cannot be read is logged and skipped. Nil when there are no manifests.
    /// - Throws: the newest manifest's error when none is readable.
    package func restore(_ tp: PartitionKey, manifests: [ChangelogManifest], zones: OBTimeZones) throws -> Restored? {
        var firstError: (any Error)?
        for manifest in manifests.reversed() {
            do {
                let bytes = try fetch(manifest)
                let state = try bytes.withUnsafeBytes { buffer throws(AggregationError) in
                    try CheckpointCodec.decode(
                        buffer, zones: zones, source: "changelog \(Self.key(tp)) generation \(manifest.generation)")
                }
                return Restored(manifest: manifest, encoded: bytes, state: state)
            } catch {
                logger.warning(
                    "changelog state unreadable; trying the previous generation",
                    metadata: [
                        "partition": "\(tp)", "generation": "\(manifest.generation)", "error": "\(error)",
                    ])
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return nil
    }
}
