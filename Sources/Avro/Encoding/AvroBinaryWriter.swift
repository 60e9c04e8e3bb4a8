/// Avro binary encoding of primitive values, by hand, into a byte array: zig-zag varint
/// int/long, boolean, length-prefixed UTF-8 strings and `["null", "string"]` unions (the
/// `InvoiceClosed` event, schema defaults, the demo's generated events).
package struct AvroBinaryWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    /// Appends `value` to `buffer` as an Avro `int` or `long`: zig-zag, then base-128 varint
    /// (also an enum index, a union branch, a length).
    package static func appendLong(_ value: Int64, to buffer: inout [UInt8]) {
        var u = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while u > 0x7F {
            buffer.append(UInt8(truncatingIfNeeded: u) | 0x80)
            u >>= 7
        }
        buffer.append(UInt8(u))
    }

    /// An Avro `int` or `long`.
    package mutating func long(_ value: Int64) { Self.appendLong(value, to: &bytes) }

    /// An Avro `boolean`: one byte, 0 or 1.
    package mutating func boolean(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// An Avro `string`: its UTF-8 length, then the bytes.
    package mutating func string(_ text: String) {
        long(Int64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// A `["null", "string"]` union: branch 0 alone, or branch 1 and the string.
    package mutating func optionalString(_ text: String?) {
        guard let text else {
            long(0)
            return
        }
        long(1)
        string(text)
    }
}
