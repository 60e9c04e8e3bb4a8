import Foundation

extension ChangelogManifest {
    /// Largest state a manifest may describe (64 GiB of checkpoint bytes), far above any real
    /// one (10M dedup keys are about 200 MB): nothing is allocated from a larger number.
    package static let maxLength = 1 << 36
    /// Most chunks a manifest may name (`maxLength` in `ChangelogStore.chunkSize` pieces, with room to spare).
    package static let maxChunks = 1 << 17
    /// Largest chunk a manifest's compressed length may assume: the default Kafka message limit,
    /// above `ChangelogStore.chunkSize`.
    package static let maxChunkBytes = 1_000_000
    /// DEFLATE cannot expand more than 1032:1; a zlib stream adds a few bytes of framing.
    package static let maxInflateRatio = 1032

    /// Decodes and validates a manifest record's value; `source` (`topic/partition@offset`) goes
    /// into errors.
    /// - Returns: `nil` for a manifest of a newer format version (skipped, not an error).
    /// - Throws: `.checkpoint` naming `source` when the JSON is malformed or a field is out of range.
    package static func decode(_ value: [UInt8], source: String) throws(DaemonError) -> ChangelogManifest? {
        let manifest: ChangelogManifest
        do {
            manifest = try JSONDecoder().decode(ChangelogManifest.self, from: Data(value))
        } catch {
            throw DaemonError(.checkpoint, "unreadable changelog manifest: \(error)", source: source)
        }
        guard manifest.version <= formatVersion else { return nil }
        try manifest.validate(source: source)
        return manifest
    }

    /// Checks every number a reader computes with or allocates from, so that no manifest, however
    /// crafted, makes the reader trap or allocate without bound: generation in 1...2^63−1 (the
    /// next publish adds one), offsets and lengths non-negative, lengths within what the chunks
    /// can hold and what DEFLATE can inflate to; a delta names an older base, its chain and the
    /// checkpoint generation of its records.
    /// - Throws: `.checkpoint` naming `source` and the field.
    package func validate(source: String) throws(DaemonError) {
        func fail(_ what: String) -> DaemonError {
            DaemonError(.checkpoint, "changelog manifest field out of range: \(what)", source: source)
        }
        guard version >= 1 else { throw fail("version \(version)") }
        guard !topic.isEmpty, topic.utf8.count <= 249, partition >= 0 else {
            throw fail("topic/partition \(topic.utf8.count) bytes/\(partition)")
        }
        guard generation >= 1, generation <= UInt64(Int64.max) else { throw fail("generation \(generation)") }
        guard nextOffset >= 0 else { throw fail("next_offset \(nextOffset)") }
        guard (1...Self.maxChunks).contains(chunks.count) else { throw fail("\(chunks.count) chunks") }
        for chunk in chunks where chunk.partition < 0 || chunk.offset < 0 {
            throw fail("chunk at \(chunk.partition)@\(chunk.offset)")
        }
        guard compressedLength >= 0, compressedLength <= chunks.count * Self.maxChunkBytes else {
            throw fail("compressed_length \(compressedLength) for \(chunks.count) chunks")
        }
        guard length >= 0, length <= Self.maxLength, length <= compressedLength * Self.maxInflateRatio + 64 else {
            throw fail("length \(length) for compressed_length \(compressedLength)")
        }
        if isDelta {
            // A delta follows its base's manifest: it needs the chain and an older base.
            guard version >= 2, let base, base >= 1, base < generation, chain != nil, checkpointGeneration != nil
            else {
                throw fail(
                    "delta \(sequence ?? 0) of base \(base.map(String.init) ?? "none") at generation \(generation)")
            }
            guard (sequence ?? 0) <= UInt64(Int64.max) else { throw fail("sequence \(sequence ?? 0)") }
        } else if let base, base != generation {
            throw fail("base \(base) of a base at generation \(generation)")
        }
    }
}
