package import Aggregation

/// The changelog record that makes one partition state readable: which chunks hold it, how
/// long it is and its checksum. Written after every chunk is acknowledged, so a reader that goes
/// by manifests never sees half a state.
package struct ChangelogManifest: Codable, Sendable, Equatable {
    package struct Chunk: Codable, Sendable, Equatable {
        package var partition: Int32
        package var offset: Int64
    }

    package static let formatVersion = 1

    package var version: Int = Self.formatVersion
    /// Source topic and partition whose state this is.
    package var topic: String
    package var partition: Int32
    /// Increases with every publish of this partition's state, across instances.
    package var generation: UInt64
    /// The next source offset to read after this state.
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
    /// Where the manifest itself was read from (set by the reader, not stored).
    package var location: Chunk?

    package enum CodingKeys: String, CodingKey {
        case version, topic, partition, generation
        case nextOffset = "next_offset"
        case watermarkMs = "watermark_ms"
        case compressedLength = "compressed_length"
        case length, crc32, chunks
    }

    package var source: PartitionKey { PartitionKey(topic: topic, partition: partition) }
}
