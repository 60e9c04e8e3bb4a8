/// Runs a compiled plan over one buffer: the decoding hot path.
///
/// Every read is bounds-checked once against `end` (varints: one check for the 10-byte maximum,
/// with a checked slow path near the end of the buffer), then done with unchecked loads.
/// All pointers are borrowed for the duration of one `decode` call: do not escape them.
struct DecodeMachine {
    /// Start of the buffer being decoded; valid for `end` bytes.
    let base: UnsafeRawPointer
    /// Number of readable bytes at `base`.
    let end: Int
    /// The decoder's immutable tables (see ``AvroRecordDecoder``).
    let ops: UnsafePointer<DecodeOp>
    let programs: UnsafePointer<DecodePlan.ProgramRange>
    let branchOps: UnsafePointer<DecodeOp>
    let enumTables: UnsafePointer<Int32>
    let constants: UnsafePointer<AvroValues.Slot>
    /// The caller's slots, at least as many as the plan projects.
    let slots: UnsafeMutablePointer<AvroValues.Slot>
    /// The decoder, for error messages only.
    unowned(unsafe) let decoder: AvroRecordDecoder
    /// True only when every byte of `base[0..<end]` has been checked to be below 0x80: then every
    /// string in the buffer is valid UTF-8 and needs no validation of its own.
    let asciiOnly: Bool
    /// Current read position, relative to `base`.
    var offset: Int
    /// Nesting depth of programs (bounded for recursive schemas).
    var depth = 0

    static let maxDepth = 256
    /// Upper bound on items in one block when an item may occupy zero bytes.
    static let maxZeroSizeItems: Int64 = 1 << 24

    // MARK: Primitive reads

    @inline(__always)
    func error(_ code: AvroError.Code, _ message: String, at position: Int) -> AvroError {
        AvroError(code, message, offset: position)
    }

    /// Reads a zig-zag varint (int or long).
    @inline(__always)
    mutating func readVarint() throws(AvroError) -> Int64 {
        let start = offset
        if end - start >= 10 {
            var byte = base.load(fromByteOffset: start, as: UInt8.self)
            if byte < 0x80 {
                offset = start + 1
                return Int64(byte >> 1) ^ -Int64(byte & 1)
            }
            var result = UInt64(byte & 0x7F)
            var shift: UInt64 = 7
            var index = 1
            while true {
                byte = base.load(fromByteOffset: start + index, as: UInt8.self)
                index += 1
                if index == 10 && byte > 1 {
                    throw error(.overlongVarint, "varint longer than 10 bytes or above 64 bits", at: start)
                }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            offset = start + index
            return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
        }
        return try readVarintChecked()
    }

    /// The slow path near the end of the buffer: checks every byte.
    mutating func readVarintChecked() throws(AvroError) -> Int64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = 0
        while true {
            guard start + index < end else { throw error(.truncated, "varint runs past the end", at: start) }
            let byte = base.load(fromByteOffset: start + index, as: UInt8.self)
            index += 1
            if index == 10 && byte > 1 {
                throw error(.overlongVarint, "varint longer than 10 bytes or above 64 bits", at: start)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        offset = start + index
        return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
    }

    /// Reads a length prefix and checks the content fits in the buffer; returns the length.
    @inline(__always)
    mutating func readLength() throws(AvroError) -> Int {
        let start = offset
        let length = try readVarint()
        if length < 0 { throw error(.invalidLength, "negative length \(length)", at: start) }
        if length > Int64(end - offset) {
            throw error(.truncated, "length \(length) runs past the end (\(end - offset) bytes left)", at: start)
        }
        return Int(length)
    }

    @inline(__always)
    mutating func readBooleanByte() throws(AvroError) -> Int64 {
        guard offset < end else { throw error(.truncated, "boolean runs past the end", at: offset) }
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        if byte > 1 { throw error(.invalidBoolean, "boolean byte \(byte)", at: offset) }
        offset += 1
        return Int64(byte)
    }

    @inline(__always)
    mutating func checkAvailable(_ count: Int, _ what: String) throws(AvroError) {
        if count > end - offset { throw error(.truncated, "\(what) runs past the end", at: offset) }
    }

    /// Reads a string's length and content, validating UTF-8; returns the content's start.
    @inline(__always)
    mutating func readStringSpan() throws(AvroError) -> (start: Int, count: Int) {
        let length = try readLength()
        let start = offset
        if !asciiOnly, let bad = UTF8Validation.firstInvalid(base + start, count: length) {
            throw error(.invalidUTF8, "invalid UTF-8 in string", at: start + bad)
        }
        offset = start + length
        return (start, length)
    }

    @inline(__always)
    mutating func readIndex(limit: Int32, code: AvroError.Code, _ what: String) throws(AvroError) -> Int {
        let start = offset
        let index = try readVarint()
        if index < 0 || index >= Int64(limit) {
            throw error(code, "\(what) index \(index) out of range 0..<\(limit)", at: start)
        }
        return Int(index)
    }

    // MARK: Programs

    /// Runs program `index` (its instructions in order).
    mutating func run(program index: Int32) throws(AvroError) {
        let range = programs[Int(index)]
        depth += 1
        if depth > Self.maxDepth {
            throw error(.invalidLength, "values nested deeper than \(Self.maxDepth)", at: offset)
        }
        var position = Int(range.start)
        let stop = position + Int(range.count)
        if asciiOnly {
            try runASCII(from: position, to: stop)
        } else {
            while position < stop {
                try step(ops[position])
                position += 1
            }
        }
        depth -= 1
    }

    @inline(__always)
    mutating func store(_ slot: Int32, tag: AvroValues.Tag, value: Int64) {
        slots[Int(slot)] = AvroValues.Slot(tag: tag, value: value, start: nil, count: 0)
    }

    @inline(__always)
    mutating func storeBytes(_ slot: Int32, start: Int, count: Int) {
        slots[Int(slot)] = AvroValues.Slot(tag: .bytes, value: 0, start: base + start, count: count)
    }

    /// Runs one instruction. Inlined into the program loop so the common instructions cost no
    /// call; nested structures go through the out-of-line ``nested(_:)``.
    @inline(__always)
    mutating func step(_ op: DecodeOp) throws(AvroError) {
        switch op.kind {
        case .nop:
            break
        case .skipVarint:
            _ = try readVarint()
        case .skipBoolean:
            _ = try readBooleanByte()
        case .skipFixed:
            try checkAvailable(Int(op.arg), "fixed-size value")
            offset += Int(op.arg)
        case .skipBytes:
            offset += try readLength()
        case .skipString:
            _ = try readStringSpan()
        case .skipEnum:
            _ = try readIndex(limit: op.arg2, code: .invalidEnumIndex, "enum")
        case .skipUnion, .readUnion, .skipArray, .skipMap, .call, .capture:
            try nested(op)
        case .skipNullableString:
            let start = offset
            let branch = try readVarint()
            if branch == 1 {
                _ = try readStringSpan()
            } else if branch != 0 {
                throw error(.invalidUnionIndex, "union index \(branch) out of range 0..<2", at: start)
            }
        case .skipNullableStrings:
            for _ in 0..<op.arg {
                let start = offset
                let branch = try readVarint()
                if branch == 1 {
                    _ = try readStringSpan()
                } else if branch != 0 {
                    throw error(.invalidUnionIndex, "union index \(branch) out of range 0..<2", at: start)
                }
            }
        case .skipStrings:
            for _ in 0..<op.arg { _ = try readStringSpan() }
        case .readNullableString:
            let start = offset
            let branch = try readVarint()
            if branch == 1 {
                let span = try readStringSpan()
                storeBytes(op.slot, start: span.start, count: span.count)
            } else if branch == 0 {
                store(op.slot, tag: .null, value: 0)
            } else {
                throw error(.invalidUnionIndex, "union index \(branch) out of range 0..<2", at: start)
            }
        case .readLong:
            let value = try readVarint()
            store(op.slot, tag: .long, value: value)
        case .readLongAsDouble:
            let value = try readVarint()
            store(op.slot, tag: .double, value: Int64(bitPattern: Double(value).bitPattern))
        case .readFloat:
            try checkAvailable(4, "float")
            let bits = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset += 4
            let value = Double(Float(bitPattern: UInt32(littleEndian: bits)))
            store(op.slot, tag: .double, value: Int64(bitPattern: value.bitPattern))
        case .readDouble:
            try checkAvailable(8, "double")
            let bits = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            store(op.slot, tag: .double, value: Int64(bitPattern: UInt64(littleEndian: bits)))
        case .readBoolean:
            let value = try readBooleanByte()
            store(op.slot, tag: .long, value: value)
        case .readString:
            let span = try readStringSpan()
            storeBytes(op.slot, start: span.start, count: span.count)
        case .readBytes:
            let length = try readLength()
            storeBytes(op.slot, start: offset, count: length)
            offset += length
        case .readFixed:
            let size = Int(op.arg)
            try checkAvailable(size, "fixed")
            storeBytes(op.slot, start: offset, count: size)
            offset += size
        case .readEnum:
            let start = offset
            let index = try readIndex(limit: op.arg2, code: .invalidEnumIndex, "enum")
            let mapped = enumTables[Int(op.arg) + index]
            if mapped < 0 {
                throw error(.invalidEnumIndex, decoder.enumMessage(table: op.arg, index: index), at: start)
            }
            store(op.slot, tag: .long, value: Int64(mapped))
        case .setNull:
            store(op.slot, tag: .null, value: 0)
        case .loadConstant:
            slots[Int(op.slot)] = constants[Int(op.arg)]
        case .failBranch:
            throw error(.unresolvedUnionBranch, decoder.message(Int(op.arg)), at: offset)
        }
    }

    /// Unions, arrays, maps, nested records and captures (kept out of line).
    @inline(never)
    mutating func nested(_ op: DecodeOp) throws(AvroError) {
        switch op.kind {
        case .skipUnion, .readUnion:
            let branch = try readIndex(limit: op.arg2, code: .invalidUnionIndex, "union")
            try step(branchOps[Int(op.arg) + branch])
        case .skipArray:
            try skipBlocks(itemProgram: op.arg, itemMinSize: op.arg2, isMap: false)
        case .skipMap:
            try skipBlocks(itemProgram: op.arg, itemMinSize: op.arg2, isMap: true)
        case .call:
            try run(program: op.arg)
        case .capture:
            let start = offset
            try run(program: op.arg)
            storeBytes(op.slot, start: start, count: offset - start)
        default:
            try step(op)
        }
    }

    /// Array/map blocks: `count` items (negative: `-count` items preceded by a byte size).
    mutating func skipBlocks(itemProgram: Int32, itemMinSize: Int32, isMap: Bool) throws(AvroError) {
        while true {
            let start = offset
            var count = try readVarint()
            if count == 0 { return }
            if count < 0 {
                if count == Int64.min { throw error(.invalidLength, "block count \(count)", at: start) }
                count = -count
                let sizeStart = offset
                let size = try readVarint()
                if size < 0 { throw error(.invalidLength, "negative block size \(size)", at: sizeStart) }
            }
            let minimum = Int64(itemMinSize) + (isMap ? 1 : 0)
            if minimum > 0 {
                if count > Int64(end - offset) / minimum {
                    throw error(.truncated, "block of \(count) items runs past the end", at: start)
                }
            } else if count > Self.maxZeroSizeItems {
                throw error(.invalidLength, "block of \(count) empty items", at: start)
            }
            for _ in 0..<count {
                if isMap { _ = try readStringSpan() }
                try run(program: itemProgram)
            }
        }
    }
}
