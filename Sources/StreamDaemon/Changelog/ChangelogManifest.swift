/// The changelog record that makes one partition state readable: which chunks hold it, how
/// long it is and its checksum. Written after every chunk is acknowledged, so a reader that goes
/// by manifests never sees half a state.
struct ChangelogManifest: Codable, Sendable, Equatable {
    struct Chunk: Codable, Sendable, Equatable {
        var partition: Int32
        var offset: Int64
    }

    static let formatVersion = 1

    var version: Int = Self.formatVersion
    /// Source topic and partition whose state this is.
    var topic: String
    var partition: Int32
    /// Increases with every publish of this partition's state, across instances.
    var generation: UInt64
    /// The next source offset to read after this state.
    var nextOffset: Int64
    /// Highest event time in the state (ms since the epoch), informational; nil when the
    /// publisher did not pass it (the checkpoint writer's after-save hook does not).
    var watermarkMs: Int64?
    /// Length of the compressed value (all chunks concatenated) and of the checkpoint bytes.
    var compressedLength: Int
    var length: Int
    /// CRC-32 (zlib) of the compressed value.
    var crc32: UInt32
    var chunks: [Chunk]
    /// Where the manifest itself was read from (set by the reader, not stored).
    var location: Chunk?

    enum CodingKeys: String, CodingKey {
        case version, topic, partition, generation, nextOffset = "next_offset", watermarkMs = "watermark_ms"
        case compressedLength = "compressed_length", length, crc32, chunks
    }

    var source: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
