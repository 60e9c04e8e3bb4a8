/// Little-endian append-only byte buffer for checkpoint encoding.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    /// Appends the raw memory of a POD array (one memcpy; the host is little-endian).
    mutating func raw<T>(_ array: [T]) {
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ buffer: UnsafeRawBufferPointer) { bytes.append(contentsOf: buffer) }

    /// Appends `count` zero bytes and returns their offset, to be filled in place through
    /// `bytes.withUnsafeMutableBytes`.
    mutating func zeros(_ count: Int) -> Int {
        let offset = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        return offset
    }

    /// Pads with zeros to a multiple of 8.
    mutating func align8() {
        while bytes.count % 8 != 0 { bytes.append(0) }
    }

    /// Overwrites 8 bytes at `offset` (a length fixed up after its section).
    mutating func patchU64(_ v: UInt64, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<8 { bytes[offset + i] = src[i] }
        }
    }
}
