import CLibdeflate

/// Streaming Avro Object Container File reader (constant memory: the file is read in chunks and
/// each block is decompressed into a reused buffer).
///
/// Codecs: `null` and `deflate` (raw RFC 1951, inflated with libdeflate); others are rejected with
/// `unsupportedCodec`. Not thread-safe: one reader per thread.
package final class AvroContainerReader {
    /// The container codecs this reader supports.
    package enum Codec: String, Sendable {
        case null
        case deflate
    }

    package let path: String
    /// The writer schema from the header's `avro.schema`.
    package let writerSchema: AvroSchema
    /// The header's metadata map.
    package let metadata: [String: [UInt8]]
    package let codec: Codec
    private let sync: [UInt8]
    private let input: ChunkedFileReader
    /// Compressed (or, for `null`, plain) block bytes; grown on demand, owned.
    private var blockBuffer: UnsafeMutableRawBufferPointer
    /// Inflated block bytes (deflate only); grown on demand, owned.
    private var inflateBuffer: UnsafeMutableRawBufferPointer
    private let decompressor: OpaquePointer?

    /// Largest block (compressed or inflated) this reader accepts.
    package static let maxBlockSize = 1 << 30
    private static let magic: [UInt8] = [0x4F, 0x62, 0x6A, 0x01]

    /// Opens the file and reads its header (magic, metadata, sync marker).
    package init(path: String) throws(AvroError) {
        let input = try ChunkedFileReader(path: path)
        let magic = try input.readArray(count: 4, "container magic")
        guard magic == Self.magic else {
            throw AvroError(.wrongMagic, "not an Avro object container file (bad magic)", offset: 0, source: path)
        }
        var metadata: [String: [UInt8]] = [:]
        var headerBytes = 0
        while true {
            let blockStart = input.position
            var count = try input.readVarint("metadata block count")
            if count == 0 { break }
            if count < 0 {
                guard count > Int64.min else { throw AvroError(.corruptBlock, "bad metadata count", offset: blockStart, source: path) }
                count = -count
                _ = try input.readVarint("metadata block size")
            }
            for _ in 0..<count {
                let keyStart = input.position
                let keyLength = try input.readVarint("metadata key length")
                guard keyLength >= 0, keyLength <= Int64(input.remaining), headerBytes + Int(keyLength) <= 64 << 20 else {
                    throw AvroError(.invalidLength, "metadata key length \(keyLength)", offset: keyStart, source: path)
                }
                let keyBytes = try input.readArray(count: Int(keyLength), "metadata key")
                guard let key = String(validating: keyBytes, as: UTF8.self) else {
                    throw AvroError(.invalidUTF8, "metadata key is not UTF-8", offset: keyStart, source: path)
                }
                let valueStart = input.position
                let valueLength = try input.readVarint("metadata value length")
                guard valueLength >= 0, valueLength <= Int64(input.remaining), headerBytes + Int(valueLength) <= 64 << 20 else {
                    throw AvroError(.invalidLength, "metadata value length \(valueLength)", offset: valueStart, source: path)
                }
                metadata[key] = try input.readArray(count: Int(valueLength), "metadata value")
                headerBytes += Int(keyLength) + Int(valueLength)
            }
        }
        let sync = try input.readArray(count: 16, "sync marker")
        guard let schemaBytes = metadata["avro.schema"], let schemaText = String(validating: schemaBytes, as: UTF8.self)
        else {
            throw AvroError(.schemaParse, "container header has no avro.schema", source: path)
        }
        let codecName = metadata["avro.codec"].map { String(decoding: $0, as: UTF8.self) } ?? "null"
        guard let codec = Codec(rawValue: codecName.isEmpty ? "null" : codecName) else {
            throw AvroError(.unsupportedCodec, "codec \(codecName) is not supported (null and deflate are)", source: path)
        }
        self.writerSchema = try AvroSchema.parse(json: schemaText, source: path)
        self.path = path
        self.metadata = metadata
        self.codec = codec
        self.sync = sync
        self.input = input
        self.blockBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        self.inflateBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: codec == .deflate ? 1 << 18 : 1, alignment: 16)
        self.decompressor = codec == .deflate ? libdeflate_alloc_decompressor() : nil
        if codec == .deflate && decompressor == nil {
            throw AvroError(.io, "libdeflate_alloc_decompressor failed", source: path)
        }
    }

    deinit {
        blockBuffer.deallocate()
        inflateBuffer.deallocate()
        if let decompressor { libdeflate_free_decompressor(decompressor) }
    }

    private static func grow(_ buffer: inout UnsafeMutableRawBufferPointer, to size: Int) {
        guard buffer.count < size else { return }
        var capacity = buffer.count
        while capacity < size { capacity *= 2 }
        buffer.deallocate()
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// Inflates `input` into `inflateBuffer`, growing it while libdeflate reports it too small.
    private func inflate(_ compressed: UnsafeRawBufferPointer, blockOffset: Int) throws(AvroError) -> UnsafeRawBufferPointer {
        if inflateBuffer.count < compressed.count * 4 { Self.grow(&inflateBuffer, to: compressed.count * 4) }
        while true {
            var produced = 0
            let result = libdeflate_deflate_decompress(
                decompressor, compressed.baseAddress, compressed.count, inflateBuffer.baseAddress, inflateBuffer.count,
                &produced)
            switch result {
            case LIBDEFLATE_SUCCESS:
                return UnsafeRawBufferPointer(start: inflateBuffer.baseAddress, count: produced)
            case LIBDEFLATE_INSUFFICIENT_SPACE:
                guard inflateBuffer.count < Self.maxBlockSize else {
                    throw AvroError(.corruptBlock, "block inflates to more than \(Self.maxBlockSize) bytes", offset: blockOffset, source: path)
                }
                Self.grow(&inflateBuffer, to: inflateBuffer.count * 2)
            default:
                throw AvroError(.corruptBlock, "block's deflate data is invalid", offset: blockOffset, source: path)
            }
        }
    }

    /// Reads the next block; nil at the end of the file. Returns (records, data, block's file offset).
    private func nextBlock() throws(AvroError) -> (Int, UnsafeRawBufferPointer, Int)? {
        if try input.isAtEnd() { return nil }
        let blockOffset = input.position
        let count = try input.readVarint("block record count")
        guard count >= 0 else {
            throw AvroError(.corruptBlock, "negative block record count \(count)", offset: blockOffset, source: path)
        }
        let sizeOffset = input.position
        let size = try input.readVarint("block size")
        guard size >= 0, size <= Int64(Self.maxBlockSize) else {
            throw AvroError(.corruptBlock, "block size \(size)", offset: sizeOffset, source: path)
        }
        guard size <= Int64(input.remaining) else {
            throw AvroError(.truncated, "block of \(size) bytes runs past the end of the file", offset: sizeOffset, source: path)
        }
        if count > 0 && size == 0 && codec == .deflate {
            throw AvroError(.corruptBlock, "block of \(count) records has no data", offset: blockOffset, source: path)
        }
        Self.grow(&blockBuffer, to: Int(size))
        try input.read(into: blockBuffer.baseAddress!, count: Int(size), "block data")
        var marker: (UInt64, UInt64) = (0, 0)
        let markerOffset = input.position
        try withUnsafeMutableBytes(of: &marker) { (bytes) throws(AvroError) in
            try input.read(into: bytes.baseAddress!, count: 16, "sync marker")
        }
        let matches = withUnsafeBytes(of: &marker) { bytes in sync.elementsEqual(bytes) }
        guard matches else {
            throw AvroError(.badSyncMarker, "block not followed by the file's sync marker", offset: markerOffset, source: path)
        }
        let raw = UnsafeRawBufferPointer(start: blockBuffer.baseAddress, count: Int(size))
        let data = codec == .deflate ? try inflate(raw, blockOffset: blockOffset) : raw
        return (Int(count), data, blockOffset)
    }

    /// Calls `body` with each decompressed block: (records in block, block bytes, block's file offset).
    /// The buffer is reused: do not escape it.
    package func forEachBlock(_ body: (Int, UnsafeRawBufferPointer, Int) throws -> Void) throws {
        while let (count, data, offset) = try nextBlock() {
            try body(count, data, offset)
        }
    }

    /// Decodes every record with `decoder` (built for this file's `writerSchema`), calling `body`
    /// with the values of each. A block must hold exactly its records. Decoding errors name the
    /// file and the block's file offset in `source`; `offset` is relative to the inflated block.
    package func forEachRecord(
        decoder: AvroRecordDecoder, values: inout AvroValues, _ body: (borrowing AvroValues) throws -> Void
    ) throws {
        while let (count, data, blockOffset) = try nextBlock() {
            var offset = 0
            do {
                if decoder.minimumRecordSize > 0 && count > data.count / decoder.minimumRecordSize {
                    throw AvroError(.corruptBlock, "block claims \(count) records in \(data.count) bytes", offset: 0)
                }
                if decoder.minimumRecordSize == 0 && count > 1 << 24 {
                    throw AvroError(.corruptBlock, "block claims \(count) empty records", offset: 0)
                }
                for _ in 0..<count {
                    try decoder.decode(data, offset: &offset, into: &values)
                    try body(values)
                }
                if offset != data.count {
                    throw AvroError(.trailingBytes, "\(data.count - offset) bytes after the block's \(count) records", offset: offset)
                }
            } catch var error as AvroError {
                if error.source == nil { error.source = "\(path) (block at byte \(blockOffset))" }
                throw error
            }
        }
    }
}
