/// The decoding fast path for buffers known to be all ASCII (``DecodeMachine/asciiOnly``).
///
/// When no byte of the buffer is 0x80 or above, every varint is exactly one byte (its
/// continuation bit is clear) and every string is valid UTF-8. The flat instructions (strings,
/// nullable strings, varints, enums) then need one byte load per varint, still with a bounds
/// check per field and every validity check (negative lengths, union and enum indexes); any
/// other instruction goes through the general ``DecodeMachine/step(_:)``.
extension DecodeMachine {
    /// Reads one varint byte (the whole varint, in an ASCII buffer), bounds-checked.
    @inline(__always)
    mutating func asciiVarintByte(_ what: String) throws(AvroError) -> UInt8 {
        guard offset < end else { throw error(.truncated, "\(what) runs past the end", at: offset) }
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return byte
    }

    /// The zig-zag value of a one-byte varint.
    @inline(__always)
    static func zigzag(_ byte: UInt8) -> Int64 {
        Int64(byte >> 1) ^ -Int64(byte & 1)
    }

    /// Reads a string's one-byte length and checks the content fits; returns the length.
    @inline(__always)
    mutating func asciiLength() throws(AvroError) -> Int {
        let start = offset
        let byte = try asciiVarintByte("varint")
        if byte & 1 != 0 { throw error(.invalidLength, "negative length \(Self.zigzag(byte))", at: start) }
        let length = Int(byte >> 1)
        if length > end - offset {
            throw error(.truncated, "length \(length) runs past the end (\(end - offset) bytes left)", at: start)
        }
        return length
    }

    /// Reads a `["null","string"]` union's index: true for the string branch.
    @inline(__always)
    mutating func asciiNullableBranch() throws(AvroError) -> Bool {
        let start = offset
        let byte = try asciiVarintByte("varint")
        if byte == 2 { return true }
        if byte != 0 {
            throw error(.invalidUnionIndex, "union index \(Self.zigzag(byte)) out of range 0..<2", at: start)
        }
        return false
    }

    /// Runs one instruction over an all-ASCII buffer.
    @inline(__always)
    mutating func stepASCII(_ op: DecodeOp) throws(AvroError) {
        switch op.kind {
        case .skipVarint:
            _ = try asciiVarintByte("varint")
        case .skipString:
            offset += try asciiLength()
        case .skipStrings:
            for _ in 0..<op.arg { offset += try asciiLength() }
        case .skipNullableString:
            if try asciiNullableBranch() { offset += try asciiLength() }
        case .skipNullableStrings:
            for _ in 0..<op.arg {
                if try asciiNullableBranch() { offset += try asciiLength() }
            }
        case .readString:
            let length = try asciiLength()
            storeBytes(op.slot, start: offset, count: length)
            offset += length
        case .readNullableString:
            if try asciiNullableBranch() {
                let length = try asciiLength()
                storeBytes(op.slot, start: offset, count: length)
                offset += length
            } else {
                store(op.slot, tag: .null, value: 0)
            }
        case .readLong:
            store(op.slot, tag: .long, value: Self.zigzag(try asciiVarintByte("varint")))
        case .skipEnum:
            let start = offset
            let index = Self.zigzag(try asciiVarintByte("varint"))
            if index < 0 || index >= Int64(op.arg2) {
                throw error(.invalidEnumIndex, "enum index \(index) out of range 0..<\(op.arg2)", at: start)
            }
        default:
            try stepOutOfLine(op)
        }
    }

    /// The general instruction, kept out of the ASCII loop's code.
    @inline(never)
    mutating func stepOutOfLine(_ op: DecodeOp) throws(AvroError) {
        try step(op)
    }
}
