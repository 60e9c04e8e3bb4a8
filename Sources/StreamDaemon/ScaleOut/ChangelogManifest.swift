package import Aggregation

/// The changelog record that makes one partition state, or one delta of it, readable: which
/// chunks hold it, how long it is and its checksum. Written after every chunk is acknowledged,
/// so a reader that goes by manifests never sees half a record.
///
/// A base (`sequence` 0) holds a whole checkpoint; a delta (`sequence` k ≥ 1) holds the k-th
/// delta record (`CheckpointCodec+Delta`) published after the base of generation `base`, in the
/// chain `chain`. A state is a base plus its deltas 1, 2, … in order (`ChangelogStore.restore`).
package struct ChangelogManifest: Codable, Sendable, Equatable {
    package struct Chunk: Codable, Sendable, Equatable {
        package var partition: Int32
        package var offset: Int64
    }

    /// Version 2 adds deltas. Bases are still written as version 1 (the fields version 2 adds
    /// are ignored by a version 1 reader, which restores them as before); deltas are version 2,
    /// which a version 1 reader skips.
    package static let formatVersion = 2

    package var version: Int = Self.formatVersion
    /// Source topic and partition whose state this is.
    package var topic: String
    package var partition: Int32
    /// Increases with every publish of this partition's state or delta, across instances.
    package var generation: UInt64
    /// The next source offset to read after this state (after this delta, for a delta).
    package var nextOffset: Int64
    /// Highest event time in the state (ms since the epoch), informational; nil when the
    /// publisher did not pass it (the checkpoint writer's after-save hook does not).
    package var watermarkMs: Int64?
    /// Length of the compressed value (all chunks concatenated) and of the checkpoint bytes.
    package var compressedLength: Int
    package var length: Int
    /// CRC-32 (zlib) of the compressed value.
    package var crc32: UInt32
    package var chunks: [Chunk]
    /// The generation of the base this record belongs to (its own for a base; nil in version 1).
    package var base: UInt64?
    /// 0 (or nil) for a base; the delta's place after its base, 1, 2, ….
    package var sequence: UInt64?
    /// A random identifier of the base's chain, repeated by its deltas (nil in version 1): a
    /// delta of another chain that names the same base generation is refused.
    package var chain: UInt64?
    /// The local checkpoint generation the chain's delta records name in their headers (the
    /// base's `CheckpointStore` generation); nil for a base no delta can follow.
    package var checkpointGeneration: UInt64?
    /// Where the manifest itself was read from (set by the reader, not stored).
    package var location: Chunk?

    package enum CodingKeys: String, CodingKey {
        case version, topic, partition, generation
        case nextOffset = "next_offset"
        case watermarkMs = "watermark_ms"
        case compressedLength = "compressed_length"
        case length, crc32, chunks, base, sequence, chain
        case checkpointGeneration = "checkpoint_generation"
    }

    package var source: PartitionKey { PartitionKey(topic: topic, partition: partition) }

    /// Whether this is a delta record (sequence ≥ 1).
    package var isDelta: Bool { (sequence ?? 0) > 0 }

    /// The generation of the base whose chain this record belongs to.
    package var baseGeneration: UInt64 { base ?? generation }
}
