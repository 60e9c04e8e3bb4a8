/// Confluent wire format: byte 0 magic = 0, 4-byte big-endian schema id, Avro body.
package enum ConfluentFrame {
    /// Size of the header before the Avro body.
    package static let headerSize = 5

    /// Splits a frame into its schema id and the offset of the Avro body.
    package static func split(_ frame: UnsafeRawBufferPointer) throws(AvroError) -> (schemaID: Int32, bodyOffset: Int) {
        guard frame.count >= headerSize else {
            throw AvroError(
                .truncated, "frame of \(frame.count) bytes (the header needs \(headerSize))", offset: frame.count)
        }
        guard frame[0] == 0 else {
            throw AvroError(.wrongMagic, "magic byte \(frame[0]) (expected 0)", offset: 0)
        }
        let id = UInt32(frame[1]) << 24 | UInt32(frame[2]) << 16 | UInt32(frame[3]) << 8 | UInt32(frame[4])
        return (Int32(bitPattern: id), headerSize)
    }
}
