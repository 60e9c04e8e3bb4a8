// The sections a base and a delta record share: they are small and always written whole.
extension CheckpointCodec {
    /// A writer holding the header of a base or delta record: `magic` | `version` u16 | flags u16 |
    /// section count u32 | payload length u64 (patched by `endRecord`).
    static func beginRecord(magic: [UInt8], version: UInt16, sections: UInt32, capacity: Int) -> ByteWriter {
        var w = ByteWriter(capacity: capacity)
        w.raw(magic)
        w.u16(version)
        w.u16(0)
        w.u32(sections)
        w.u64(0)
        return w
    }

    /// Patches the payload length of a record begun with `beginRecord` and appends its trailer:
    /// CRC-32 of header + payload u32 | "END!". Returns the record's bytes.
    static func endRecord(_ w: inout ByteWriter) -> [UInt8] {
        w.patchU64(UInt64(w.bytes.count - headerSize), at: 16)
        let crc = w.bytes.withUnsafeBytes { crc32(of: $0) }
        w.u32(crc)
        w.raw(trailerMagic)
        return w.bytes
    }

    /// Appends section `tag`: tag u32 | reserved u32 | length u64 | body, padded to 8.
    static func section(_ tag: Tag, into w: inout ByteWriter, _ body: (inout ByteWriter) -> Void) {
        w.u32(tag.rawValue)
        w.u32(0)
        let lengthAt = w.bytes.count
        w.u64(0)
        let start = w.bytes.count
        body(&w)
        w.align8()
        w.patchU64(UInt64(w.bytes.count - start), at: lengthAt)
    }

    /// Walks `count` sections (`tag u32 | reserved u32 | length u64 | data`) from `reader`,
    /// calling `body` with each tag and a reader bounded to that section's data, and returns the
    /// tags seen. Shared by bases and delta records.
    /// - Throws: when a section's length runs past `reader`'s end, or what `body` throws.
    static func forEachSection(
        _ bytes: UnsafeRawBufferPointer, count: UInt32, in reader: inout ByteReader, source: String,
        _ body: (UInt32, inout ByteReader) throws(AggregationError) -> Void
    ) throws(AggregationError) -> Set<UInt32> {
        var seen: Set<UInt32> = []
        for _ in 0..<count {
            let tag = try reader.u32("section tag")
            _ = try reader.u32("section reserved")
            let length = try reader.u64("section length")
            guard length <= UInt64(reader.remaining) else { throw reader.fail("section \(tag) length \(length)") }
            var section = ByteReader(bytes, from: reader.offset, end: reader.offset + Int(length), source: source)
            reader.offset += Int(length)
            seen.insert(tag)
            try body(tag, &section)
        }
        return seen
    }

    static func writeCounters(_ state: PartitionState, into w: inout ByteWriter) {
        w.i64(state.records)
        w.i64(state.duplicates)
        w.i64(state.late)
        w.i64(state.quarantined)
    }

    static func writeClosed(_ state: PartitionState, into w: inout ByteWriter) {
        let closed = state.closed.sorted { ($0.ob, $0.period) < ($1.ob, $1.period) }
        w.u64(UInt64(closed.count))
        for key in closed {
            w.u32(key.ob)
            w.u32(UInt32(bitPattern: key.period))
        }
    }

    static func writePartitions(_ state: PartitionState, into w: inout ByteWriter) {
        w.u64(UInt64(state.partitions.count))
        for p in state.partitions {
            let topic = Array(p.key.topic.utf8)
            w.u32(UInt32(topic.count))
            w.u32(UInt32(bitPattern: p.key.partition))
            w.i64(p.watermarkMs)
            w.i64(p.nextOffset)
            w.raw(topic)
            w.align8()
        }
    }

    static func writeClosedThrough(_ state: PartitionState, into w: inout ByteWriter) {
        let marks = state.closedThrough.sorted { $0.key < $1.key }
        w.u64(UInt64(marks.count))
        for (ob, period) in marks {
            w.u32(ob)
            w.u32(UInt32(bitPattern: period))
        }
    }

    static func readCounters(_ s: inout ByteReader, into state: inout PartitionState) throws(AggregationError) {
        state.records = try s.i64("records")
        state.duplicates = try s.i64("duplicates")
        state.late = try s.i64("late")
        state.quarantined = try s.i64("quarantined")
    }

    static func readClosed(_ s: inout ByteReader) throws(AggregationError) -> Set<PeriodKey> {
        let n = try s.count(8, "closed periods")
        var closed: Set<PeriodKey> = []
        for _ in 0..<n {
            let ob = try s.u32("closed ob")
            let period = Int32(bitPattern: try s.u32("closed period"))
            closed.insert(PeriodKey(ob: ob, period: period))
        }
        return closed
    }

    static func readPartitions(_ s: inout ByteReader) throws(AggregationError) -> [PartitionProgress] {
        let n = try s.count(24, "partitions")
        var partitions: [PartitionProgress] = []
        for _ in 0..<n {
            let topicLength = Int(try s.u32("topic length"))
            let partition = Int32(bitPattern: try s.u32("partition"))
            let watermark = try s.i64("watermark")
            let next = try s.i64("next offset")
            try s.need(topicLength, "topic")
            let topic = String(
                decoding: UnsafeRawBufferPointer(rebasing: s.buffer[s.offset..<(s.offset + topicLength)]),
                as: UTF8.self)
            s.offset += topicLength
            try s.skipTo8()
            partitions.append(
                PartitionProgress(
                    key: PartitionKey(topic: topic, partition: partition), watermarkMs: watermark, nextOffset: next))
        }
        return partitions
    }

    static func readClosedThrough(_ s: inout ByteReader) throws(AggregationError) -> [UInt32: Int32] {
        let n = try s.count(8, "closed-through marks")
        var marks: [UInt32: Int32] = [:]
        for _ in 0..<n {
            let ob = try s.u32("closed-through ob")
            marks[ob] = Int32(bitPattern: try s.u32("closed-through period"))
        }
        return marks
    }
}
