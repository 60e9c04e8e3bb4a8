/// Avro binary encoding of the few types the `InvoiceClosed` event uses: zig-zag varint
/// int/long, boolean, length-prefixed UTF-8 strings and `["null", "string"]` unions.
struct AvroBinaryWriter {
    private(set) var bytes: [UInt8] = []

    /// An Avro `int` or `long`: zig-zag, then base-128 varint.
    mutating func long(_ value: Int64) {
        var u = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while u > 0x7F {
            bytes.append(UInt8(truncatingIfNeeded: u) | 0x80)
            u >>= 7
        }
        bytes.append(UInt8(u))
    }

    /// An Avro `boolean`: one byte, 0 or 1.
    mutating func boolean(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// An Avro `string`: its UTF-8 length, then the bytes.
    mutating func string(_ text: String) {
        long(Int64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    /// A `["null", "string"]` union: branch 0 alone, or branch 1 and the string.
    mutating func optionalString(_ text: String?) {
        guard let text else {
            long(0)
            return
        }
        long(1)
        string(text)
    }
}
