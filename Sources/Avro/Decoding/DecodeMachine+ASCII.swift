/// The decoding fast path for buffers known to be all ASCII (``DecodeMachine/asciiOnly``).
///
/// When no byte of the buffer is 0x80 or above, every varint is exactly one byte (its
/// continuation bit is clear) and every string is valid UTF-8. The flat instructions (strings,
/// nullable strings, varints, enums) then need one byte load per varint, still with a bounds
/// check per field and every validity check (negative lengths, union and enum indexes); any
/// other instruction goes through the general ``DecodeMachine/step(_:)``.
///
/// The loop keeps the read position in a local (a register) rather than in the machine, whose
/// `offset` is written back before any general instruction and when the program ends.
extension DecodeMachine {
    /// Reads one varint byte (the whole varint, in an ASCII buffer) at `offset`, bounds-checked.
    @inline(__always)
    func asciiVarintByte(_ offset: inout Int) throws(AvroError) -> UInt8 {
        guard offset < end else { throw error(.truncated, "varint runs past the end", at: offset) }
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return byte
    }

    /// The zig-zag value of a one-byte varint.
    @inline(__always)
    static func zigzag(_ byte: UInt8) -> Int64 {
        Int64(byte >> 1) ^ -Int64(byte & 1)
    }

    /// Reads a string's one-byte length at `offset` and checks the content fits; returns the
    /// length (`offset` is then the content's start).
    @inline(__always)
    func asciiLength(_ offset: inout Int) throws(AvroError) -> Int {
        let start = offset
        let byte = try asciiVarintByte(&offset)
        if byte & 1 != 0 { throw error(.invalidLength, "negative length \(Self.zigzag(byte))", at: start) }
        let length = Int(byte >> 1)
        if length > end - offset {
            throw error(.truncated, "length \(length) runs past the end (\(end - offset) bytes left)", at: start)
        }
        return length
    }

    /// Reads a `["null","string"]` union's index at `offset`: true for the string branch.
    @inline(__always)
    func asciiNullableBranch(_ offset: inout Int) throws(AvroError) -> Bool {
        let start = offset
        let byte = try asciiVarintByte(&offset)
        if byte == 2 { return true }
        if byte != 0 {
            throw error(.invalidUnionIndex, "union index \(Self.zigzag(byte)) out of range 0..<2", at: start)
        }
        return false
    }

    /// Runs instructions `ops[first..<stop]` over an all-ASCII buffer.
    @inline(__always)
    mutating func runASCII(from first: Int, to stop: Int) throws(AvroError) {
        var offset = self.offset
        var position = first
        while position < stop {
            let op = ops[position]
            switch op.kind {
            case .skipVarint:
                _ = try asciiVarintByte(&offset)
            case .skipString:
                offset += try asciiLength(&offset)
            case .skipStrings:
                for _ in 0..<op.arg { offset += try asciiLength(&offset) }
            case .skipNullableString:
                if try asciiNullableBranch(&offset) { offset += try asciiLength(&offset) }
            case .skipNullableStrings:
                for _ in 0..<op.arg {
                    if try asciiNullableBranch(&offset) { offset += try asciiLength(&offset) }
                }
            case .readString:
                let length = try asciiLength(&offset)
                slots[Int(op.slot)] = AvroValues.Slot(tag: .bytes, value: 0, start: base + offset, count: length)
                offset += length
            case .readNullableString:
                if try asciiNullableBranch(&offset) {
                    let length = try asciiLength(&offset)
                    slots[Int(op.slot)] = AvroValues.Slot(tag: .bytes, value: 0, start: base + offset, count: length)
                    offset += length
                } else {
                    slots[Int(op.slot)] = AvroValues.Slot(tag: .null, value: 0, start: nil, count: 0)
                }
            case .readLong:
                let value = Self.zigzag(try asciiVarintByte(&offset))
                slots[Int(op.slot)] = AvroValues.Slot(tag: .long, value: value, start: nil, count: 0)
            case .skipEnum:
                let start = offset
                let index = Self.zigzag(try asciiVarintByte(&offset))
                if index < 0 || index >= Int64(op.arg2) {
                    throw error(.invalidEnumIndex, "enum index \(index) out of range 0..<\(op.arg2)", at: start)
                }
            default:
                self.offset = offset
                try stepOutOfLine(op)
                offset = self.offset
            }
            position += 1
        }
        self.offset = offset
    }

    /// The general instruction, kept out of the ASCII loop's code.
    @inline(never)
    mutating func stepOutOfLine(_ op: DecodeOp) throws(AvroError) {
        try step(op)
    }
}
