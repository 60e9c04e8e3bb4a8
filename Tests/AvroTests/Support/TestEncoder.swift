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

import Avro

/// `bytes` as a raw buffer for a typed-throwing body (Array's `withUnsafeBytes` is untyped).
func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(AvroError) -> R) throws(AvroError) -> R {
    try bytes.withUnsafeBufferPointer { (buffer) throws(AvroError) -> R in try body(UnsafeRawBufferPointer(buffer)) }
}

/// Decodes one record from `bytes`; returns the values and the offset after the record.
func decodeOne(_ decoder: AvroRecordDecoder, _ bytes: [UInt8]) throws(AvroError) -> (AvroValues, Int) {
    var values = AvroValues(count: decoder.fieldCount)
    var offset = 0
    try withBytes(bytes) { (buffer) throws(AvroError) in
        try decoder.decode(buffer, offset: &offset, into: &values)
    }
    return (values, offset)
}

/// Decodes one record and returns its slots as comparable strings (null, long, double, string).
func decodeStrings(_ decoder: AvroRecordDecoder, _ bytes: [UInt8]) throws(AvroError) -> [String] {
    var values = AvroValues(count: decoder.fieldCount)
    var offset = 0
    return try withBytes(bytes) { (buffer) throws(AvroError) -> [String] in
        try decoder.decode(buffer, offset: &offset, into: &values)
        guard offset == buffer.count else {
            throw AvroError(.trailingBytes, "test record not consumed exactly", offset: offset)
        }
        return (0..<decoder.fieldCount).map { slot in
            switch values.tag(slot) {
            case .null: "null"
            case .long: "long:\(values.long(slot))"
            case .double: "double:\(values.double(slot))"
            case .bytes: "bytes:" + String(decoding: values.bytes(slot), as: UTF8.self)
            }
        }
    }
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
