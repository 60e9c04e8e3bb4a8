package import Aggregation
import Foundation
package import KafkaBridge
package import Logging
import Synchronization

/// Partition states in a Kafka changelog topic, so that any instance of the consumer group can
/// take a partition over with no shared disk.
///
/// What is published is what the local `CheckpointStore` wrote: a base (a whole checkpoint) or
/// a delta record of the chain of the base this process published last (`publish(_:checkpoint:…)`);
/// a state is restored as the newest readable base plus its deltas in order (`restore`).
///
/// Layout over the topic's N partitions: the first M = max(1, N/4) hold only manifests (key
/// `<topic>-<partition>` for a base, `<topic>-<partition>#<generation>` for a delta, in partition
/// hash(`<topic>-<partition>`) mod M), the others hold the chunks of the compressed base or delta
/// (key `<topic>-<partition>/<generation>/<i>`, ≤ `chunkSize` bytes each,
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
        /// The newest manifests per source partition, oldest first (the last `keptChains` chains).
        package var manifests: [PartitionKey: [ChangelogManifest]] = [:]
        /// Highest generation seen or written, per source partition.
        package var generations: [PartitionKey: UInt64] = [:]
        /// Manifests this process published, per source partition (the last `keptChains` chains).
        package var published: [PartitionKey: [ChangelogManifest]] = [:]
        /// The last record this process published per source partition, which the next delta follows.
        package var links: [PartitionKey: Link] = [:]
    }

    /// Where a published record stands in its chain.
    package struct Link: Sendable, Equatable {
        /// Changelog generation of the chain's base.
        package var base: UInt64
        package var chain: UInt64
        /// The local checkpoint generation the chain's delta records name.
        package var checkpointGeneration: UInt64
        /// 0 for the base.
        package var sequence: UInt64
    }

    private let cache = Mutex(Cache())
    /// Chains (a base and its deltas) kept per partition: the newest, and the one before to fall
    /// back on when the newest base's chunks are gone.
    package static let keptChains = 2
    /// Delta records per base at most (the scaled-out checkpoint stores' `maxDeltas`): bounds
    /// the manifests a restore reads and a manifest partition holds (about 330 bytes each, so a
    /// chain's manifests stay well under the embedded cluster's 5 MiB per partition).
    package static let maxDeltasPerBase: UInt64 = 1000

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

    /// The manifest key of a delta (`<topic>-<partition>#<generation>`): unique, so that a
    /// compacted changelog keeps every delta of a chain (a base's manifest key is `key(tp)`).
    package static func deltaManifestKey(_ tp: PartitionKey, generation: UInt64) -> String {
        "\(key(tp))#\(generation)"
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

    /// Publishes `encoded`, checkpoint bytes of `tp`'s whole state, as a base no delta follows,
    /// and blocks until the broker has acknowledged its chunks and then its manifest.
    /// - Throws: `.kafkaProduce` when a record is refused or not acknowledged in time: the
    ///   state is then not in the changelog and its offsets must not be committed.
    @discardableResult
    package func publish(_ tp: PartitionKey, encoded: [UInt8], nextOffset: Int64, watermarkMs: Int64?) throws
        -> ChangelogManifest
    {
        try publish(tp, value: encoded, nextOffset: nextOffset, watermarkMs: watermarkMs, link: nil)
    }

    /// Publishes a checkpoint as the local store wrote it: a base as a base (chunked), a delta
    /// record as the next delta of the base this process published last for `tp`. Blocks until
    /// the broker has acknowledged its chunks and then its manifest.
    /// - Throws: `.checkpoint` for a delta that does not follow the last record published for
    ///   `tp` (a publish before it failed, or its base was published by another process: the
    ///   store's next checkpoint must be a base); `.kafkaProduce` as `publish(_:encoded:…)`.
    @discardableResult
    package func publish(
        _ tp: PartitionKey, checkpoint: CheckpointStore.Encoded, nextOffset: Int64, watermarkMs: Int64?
    ) throws -> ChangelogManifest {
        guard checkpoint.isDelta else {
            return try publish(
                tp, value: checkpoint.bytes, nextOffset: nextOffset, watermarkMs: watermarkMs,
                link: Link(
                    base: 0, chain: UInt64.random(in: 1...UInt64.max), checkpointGeneration: checkpoint.generation,
                    sequence: 0))
        }
        let link = try cache.withLock { c throws(DaemonError) -> Link in
            guard let last = c.links[tp], last.checkpointGeneration == checkpoint.generation,
                last.sequence + 1 == checkpoint.sequence
            else {
                let after = c.links[tp].map {
                    "delta \($0.sequence) of checkpoint generation \($0.checkpointGeneration)"
                }
                throw DaemonError(
                    .checkpoint,
                    "changelog delta \(checkpoint.sequence) of checkpoint generation \(checkpoint.generation) does not follow the last record published for \(tp) (\(after ?? "none")); the next checkpoint must be a base",
                    source: topic)
            }
            return Link(
                base: last.base, chain: last.chain, checkpointGeneration: last.checkpointGeneration,
                sequence: checkpoint.sequence)
        }
        return try publish(tp, value: checkpoint.bytes, nextOffset: nextOffset, watermarkMs: watermarkMs, link: link)
    }

    /// Compresses, chunks and produces `value`, then its manifest (a base when `link` is nil or
    /// of sequence 0, else a delta of `link.base`); records the chain for the next delta.
    private func publish(
        _ tp: PartitionKey, value encoded: [UInt8], nextOffset: Int64, watermarkMs: Int64?, link: Link?
    ) throws -> ChangelogManifest {
        // Whatever happens below, a delta may only follow what this publish completes.
        cache.withLock { _ = $0.links.removeValue(forKey: tp) }
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
        let records = chunkRecords(tp, generation: generation, compressed: compressed)
        let offsets = try producer.produceAndWait(records)
        let crc = compressed.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        var manifest = ChangelogManifest(
            topic: tp.topic, partition: tp.partition, generation: generation, nextOffset: nextOffset,
            watermarkMs: watermarkMs,
            compressedLength: compressed.count, length: encoded.count, crc32: crc,
            chunks: zip(records, offsets).map { ChangelogManifest.Chunk(partition: $0.partition, offset: $1) }
        )
        var next = link
        if var link {
            if link.sequence == 0 { link.base = generation }
            manifest.base = link.base
            manifest.sequence = link.sequence
            manifest.chain = link.chain
            manifest.checkpointGeneration = link.checkpointGeneration
            next = link
        }
        // A base stays readable by version 1 readers; a delta is version 2 (they skip it).
        manifest.version = manifest.isDelta ? ChangelogManifest.formatVersion : 1
        let key = manifest.isDelta ? Self.deltaManifestKey(tp, generation: generation) : Self.key(tp)
        let value: [UInt8]
        do { value = Array(try Self.encoder.encode(manifest)) } catch {
            throw DaemonError(.checkpoint, "cannot encode the changelog manifest: \(error)", source: key)
        }
        _ = try producer.produceAndWait([
            OutgoingRecord(topic: topic, partition: manifestPartition(tp), key: Array(key.utf8), value: value)
        ])
        cache.withLock { c in if let next { c.links[tp] = next } }
        retireOldChains(tp, after: manifest)
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

    /// Keeps the last `keptChains` chains (bases with their deltas) readable; after a new base,
    /// tombstones the chunk keys of older chains and the manifest keys of their deltas, so that a
    /// compacted changelog does not grow with every publish (generations are in those keys, so
    /// nothing else ever overwrites them). A failure only costs space: logged.
    private func retireOldChains(_ tp: PartitionKey, after manifest: ChangelogManifest) {
        let retired: [ChangelogManifest] = cache.withLock { c in
            // After a takeover, the generations the previous owner published (as read) count too.
            var list = c.published[tp] ?? (c.manifests[tp] ?? []).filter { $0.generation < manifest.generation }
            list.append(manifest)
            let old = Self.trim(&list)
            c.published[tp] = list
            return old
        }
        guard !retired.isEmpty else { return }
        var tombstones: [OutgoingRecord] = []
        for old in retired {
            for (i, chunk) in old.chunks.enumerated() {
                tombstones.append(
                    OutgoingRecord(
                        topic: topic, partition: chunk.partition,
                        key: Array(Self.chunkKey(tp, generation: old.generation, index: i).utf8), value: [],
                        tombstone: true))
            }
            if old.isDelta {
                tombstones.append(
                    OutgoingRecord(
                        topic: topic, partition: manifestPartition(tp),
                        key: Array(Self.deltaManifestKey(tp, generation: old.generation).utf8), value: [],
                        tombstone: true))
            }
        }
        do {
            _ = try producer.produceAndWait(tombstones)
        } catch {
            logger.warning(
                "cannot tombstone old changelog chunks (compaction keeps them)",
                metadata: ["partition": "\(tp)", "error": "\(error)"])
        }
    }

    /// Drops from `list` (oldest first) what precedes the `keptChains`-th newest base, and deltas
    /// before the oldest base (their base is gone); returns what was dropped.
    static func trim(_ list: inout [ChangelogManifest]) -> [ChangelogManifest] {
        let bases = list.indices.filter { !list[$0].isDelta }
        let start = bases.isEmpty ? list.count : bases[max(0, bases.count - keptChains)]
        defer { list.removeFirst(start) }
        return Array(list[..<start])
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
                // Not a manifest: a chunk, or a tombstone of a retired delta's manifest.
                guard !record.key.contains(UInt8(ascii: "/")), !record.value.isEmpty else { return }
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
                _ = Self.trim(&list)
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
        try fetch([manifest])[0].get()
    }

    /// The bytes of each of `manifests` (a base's deltas, say), verified as `fetch(_:)` does, read
    /// together: one watermark query per chunk partition and one parallel read of every chunk
    /// partition, so that a chain of many small deltas costs about one read. A failure (a chunk
    /// gone or not matching) is that manifest's result only.
    package func fetch(_ manifests: [ChangelogManifest]) -> [Result<[UInt8], any Error>] {
        var results = [Result<[UInt8], any Error>?](repeating: nil, count: manifests.count)
        // A chunk outside its partition's log (evicted, or never written) is reported by key
        // before anything is read.
        var windows: [Int32: (low: Int64, high: Int64)] = [:]
        var byPartition: [Int32: [Int64]] = [:]
        for (i, manifest) in manifests.enumerated() {
            do {
                for chunk in manifest.chunks where windows[chunk.partition] == nil {
                    windows[chunk.partition] = try reader.watermarks(
                        PartitionKey(topic: topic, partition: chunk.partition))
                }
                try checkChunksInLog(manifest, windows: windows)
                for chunk in manifest.chunks { byPartition[chunk.partition, default: []].append(chunk.offset) }
            } catch {
                results[i] = .failure(error)
            }
        }
        let records: [Int32: [Int64: ReadRecord]]
        do {
            records = try reader.read(topic: topic, offsets: byPartition)
        } catch {
            return zip(manifests, results).map { manifest, result in
                result
                    ?? .failure(
                        DaemonError(
                            .checkpoint,
                            "cannot read changelog chunks of \(Self.key(manifest.source)) generation \(manifest.generation): \(error.message)",
                            source: topic))
            }
        }
        return zip(manifests, results).map { manifest, result in
            result ?? Result { try verify(manifest, compressed: assemble(manifest, records: records)) }
        }
    }

    /// Checks the compressed value's CRC-32 and inflates it to the manifest's length.
    private func verify(_ manifest: ChangelogManifest, compressed: [UInt8]) throws -> [UInt8] {
        let tp = manifest.source
        let crc = compressed.withUnsafeBytes { CheckpointCodec.crc32(of: $0) }
        guard crc == manifest.crc32 else {
            throw DaemonError(
                .checkpoint, "changelog state of \(Self.key(tp)) generation \(manifest.generation) fails its checksum",
                source: topic)
        }
        return try ChangelogCompression.decompress(
            compressed, length: manifest.length, source: "\(topic) \(Self.key(tp)) generation \(manifest.generation)")
    }

    /// Reports, by key, a chunk outside its partition's log (`windows`: low and high watermark
    /// per chunk partition).
    private func checkChunksInLog(_ manifest: ChangelogManifest, windows: [Int32: (low: Int64, high: Int64)]) throws {
        for (i, chunk) in manifest.chunks.enumerated() {
            guard let (low, high) = windows[chunk.partition], chunk.offset < low || chunk.offset >= high else {
                continue
            }
            throw DaemonError(
                .checkpoint,
                "changelog chunk \(Self.chunkKey(manifest.source, generation: manifest.generation, index: i)) is gone: offset \(chunk.offset) is outside the log (\(low)..<\(high)), evicted or never written",
                source: "\(PartitionKey(topic: topic, partition: chunk.partition))")
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
}
