import Avro
import Foundation

/// Hand encoding of Avro binary per the specification, for resolution and strictness tests.
struct TestEncoder {
    var bytes: [UInt8] = []

    mutating func long(_ value: Int64) {
        var encoded = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while encoded >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: encoded) | 0x80)
            encoded >>= 7
        }
        bytes.append(UInt8(encoded))
    }

    mutating func string(_ text: String) {
        long(Int64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func raw(_ content: [UInt8]) {
        bytes.append(contentsOf: content)
    }

    mutating func bytesValue(_ content: [UInt8]) {
        long(Int64(content.count))
        bytes.append(contentsOf: content)
    }

    mutating func boolean(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func float(_ value: Float) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// `bytes` as a raw buffer for a typed-throwing body (Array's `withUnsafeBytes` is untyped).
/// An Avro object container file: magic, metadata (`schema`, `codec`), `headerSync`, then each
/// block as its record count, its (already encoded) bytes and `blockSync` (the header's if nil).
func containerFile(
    schema: String, codec: String, blocks: [(count: Int64, data: [UInt8])],
    headerSync: [UInt8], blockSync: [UInt8]? = nil
) -> [UInt8] {
    var encoder = TestEncoder()
    encoder.raw([0x4F, 0x62, 0x6A, 0x01])
    encoder.long(2)
    encoder.string("avro.schema")
    encoder.bytesValue(Array(schema.utf8))
    encoder.string("avro.codec")
    encoder.bytesValue(Array(codec.utf8))
    encoder.long(0)
    encoder.raw(headerSync)
    for block in blocks {
        encoder.long(block.count)
        encoder.bytesValue(block.data)
        encoder.raw(blockSync ?? headerSync)
    }
    return encoder.bytes
}

/// Writes `bytes` to a new file in the temporary directory; returns its path.
func temporaryAvroFile(_ bytes: [UInt8], prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(UUID().uuidString).avro").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(AvroError) -> R) throws(AvroError) -> R {
    try bytes.withUnsafeBufferPointer { (buffer) throws(AvroError) -> R in try body(UnsafeRawBufferPointer(buffer)) }
}

/// Decodes one record from `bytes`; returns its slots as comparable strings (null, long:N,
/// double:X, bytes:TEXT — converted while `bytes` is alive, since slots point into it) and the
/// offset after the record.
func decodeOne(_ decoder: AvroRecordDecoder, _ bytes: [UInt8]) throws(AvroError) -> ([String], Int) {
    var values = AvroValues(count: decoder.fieldCount)
    var offset = 0
    return try withBytes(bytes) { (buffer) throws(AvroError) -> ([String], Int) in
        try decoder.decode(buffer, offset: &offset, into: &values)
        let slots = (0..<decoder.fieldCount).map { slot in
            switch values.tag(slot) {
            case .null: "null"
            case .long: "long:\(values.long(slot))"
            case .double: "double:\(values.double(slot))"
            case .bytes: "bytes:" + String(decoding: values.bytes(slot), as: UTF8.self)
            }
        }
        return (slots, offset)
    }
}

/// Decodes one record that must fill `bytes` exactly; returns its slots as strings (see decodeOne).
func decodeStrings(_ decoder: AvroRecordDecoder, _ bytes: [UInt8]) throws(AvroError) -> [String] {
    let (slots, offset) = try decodeOne(decoder, bytes)
    guard offset == bytes.count else {
        throw AvroError(.trailingBytes, "test record not consumed exactly", offset: offset)
    }
    return slots
}

/// The error thrown by `body`, or nil.
func avroError(_ body: () throws(AvroError) -> Void) -> AvroError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
