import Avro

/// Records encoded back to back, with the offset of each record.
struct RecordBatch {
    var bytes: [UInt8] = []
    var starts: [Int] = []
}

/// Avro binary encoding of `value` (zig-zag varint).
func appendLong(_ value: Int64, to bytes: inout [UInt8]) {
    var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
    while zigzag >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
        zigzag >>= 7
    }
    bytes.append(UInt8(zigzag))
}

/// Avro binary encoding of a string: length, then UTF-8 bytes.
func appendString(_ value: String, to bytes: inout [UInt8]) {
    appendLong(Int64(value.utf8.count), to: &bytes)
    bytes.append(contentsOf: value.utf8)
}

/// 1,000 records of 16 longs of mixed magnitudes (1 to 10 byte varints, both signs).
func varintBatch() -> RecordBatch {
    var batch = RecordBatch()
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<1_000 {
        batch.starts.append(batch.bytes.count)
        for field in 0..<16 {
            let bits = Int64(field % 8) * 8 + 6  // 6 to 62 bits of magnitude
            let magnitude = Int64.random(in: 0...(Int64(1) << bits), using: &generator)
            appendLong(field % 2 == 0 ? magnitude : -magnitude, to: &batch.bytes)
        }
    }
    return batch
}

/// 1,000 records of one long and eight strings (ASCII identifiers, accented and CJK text).
func stringBatch() -> RecordBatch {
    let texts = [
        "3f2c9a1e-5b7d-4c8e-9f10-2a3b4c5d6e7f", "aura-nlu", "Llamada a atención al cliente: ¿cuándo llega mi pedido?",
        "ESP", "Grüße aus München, Bitte zurückrufen", "2026-10-14T09:31:07.123Z", "顧客サービスへのお問い合わせ", "movistar-app",
    ]
    var batch = RecordBatch()
    for record in 0..<1_000 {
        batch.starts.append(batch.bytes.count)
        appendLong(Int64(record), to: &batch.bytes)
        for field in 0..<8 { appendString(texts[(record + field) % texts.count], to: &batch.bytes) }
    }
    return batch
}

/// The records of an object container file copied into one buffer (all blocks, in order).
func containerRecords(_ path: String, decoder: AvroRecordDecoder) throws -> RecordBatch {
    let reader = try AvroContainerReader(path: path)
    var batch = RecordBatch()
    var values = AvroValues(count: decoder.fieldCount)
    try reader.forEachBlock { count, block, _ in
        let base = batch.bytes.count
        batch.bytes.append(contentsOf: block)
        var offset = 0
        for _ in 0..<count {
            batch.starts.append(base + offset)
            try decoder.decode(block, offset: &offset, into: &values)
        }
    }
    return batch
}
