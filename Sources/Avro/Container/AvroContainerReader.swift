import CLibdeflate
import Dispatch
import Foundation
import Synchronization

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
    /// Whether blocks are read and inflated on a second thread, one block ahead of the caller.
    package let readAhead: Bool
    private let sync: [UInt8]
    private let input: ChunkedFileReader
    /// Block buffers: with read-ahead the producer fills some while the caller uses another.
    private let slots: [BlockSlot]
    /// Number of block buffers with read-ahead (constant memory: a few blocks). The deeper the
    /// read-ahead, the rarer the reading thread's wake-ups (see `forEachSlotReadingAhead`: slots
    /// are handed back half at a time, each hand-back a futex wake when the reader sleeps): 32
    /// for both codecs (2–4 MiB of block buffers for 64 KiB blocks, twice that with deflate's
    /// inflate buffers). With deflate the reading thread sleeps whenever the caller does more per
    /// record than decoding (aggregation): 8 slots woke it every 4 blocks, ~2,000 wake-ups for 2M
    /// records in 250-record blocks, 2–3 % of the caller's time.
    static let readAheadSlots = 32
    private let decompressor: OpaquePointer?

    /// Largest block (compressed or inflated) this reader accepts.
    package static let maxBlockSize = 1 << 30
    private static let magic: [UInt8] = [0x4F, 0x62, 0x6A, 0x01]

    /// Opens the file and reads its header (magic, metadata, sync marker). With `readAhead`, block
    /// iteration reads and inflates the next block on a dedicated thread while the caller decodes
    /// the current one (two block buffers: memory stays constant).
    package init(path: String, readAhead: Bool = true) throws(AvroError) {
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
                guard count > Int64.min else {
                    throw AvroError(.corruptBlock, "bad metadata count", offset: blockStart, source: path)
                }
                count = -count
                _ = try input.readVarint("metadata block size")
            }
            for _ in 0..<count {
                let keyStart = input.position
                let keyLength = try input.readVarint("metadata key length")
                guard keyLength >= 0, keyLength <= Int64(input.remaining), headerBytes + Int(keyLength) <= 64 << 20
                else {
                    throw AvroError(.invalidLength, "metadata key length \(keyLength)", offset: keyStart, source: path)
                }
                let keyBytes = try input.readArray(count: Int(keyLength), "metadata key")
                guard let key = String(validating: keyBytes, as: UTF8.self) else {
                    throw AvroError(.invalidUTF8, "metadata key is not UTF-8", offset: keyStart, source: path)
                }
                let valueStart = input.position
                let valueLength = try input.readVarint("metadata value length")
                guard valueLength >= 0, valueLength <= Int64(input.remaining),
                    headerBytes + Int(valueLength) <= 64 << 20
                else {
                    throw AvroError(
                        .invalidLength, "metadata value length \(valueLength)", offset: valueStart, source: path)
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
            throw AvroError(
                .unsupportedCodec, "codec \(codecName) is not supported (null and deflate are)", source: path)
        }
        self.writerSchema = try AvroSchema.parse(json: schemaText, source: path)
        self.path = path
        self.metadata = metadata
        self.codec = codec
        self.sync = sync
        self.input = input
        self.readAhead = readAhead
        self.slots = (0..<(readAhead ? Self.readAheadSlots : 1)).map { _ in BlockSlot(inflating: codec == .deflate) }
        self.decompressor = codec == .deflate ? libdeflate_alloc_decompressor() : nil
        if codec == .deflate && decompressor == nil {
            throw AvroError(.io, "libdeflate_alloc_decompressor failed", source: path)
        }
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
    }

    /// Inflates `compressed` into the slot's inflate buffer, growing it while libdeflate reports it
    /// too small.
    private func inflate(
        _ compressed: UnsafeRawBufferPointer, into slot: BlockSlot, blockOffset: Int
    ) throws(AvroError) -> UnsafeRawBufferPointer {
        // Start at 4× the compressed size, never above the cap (doubling below stops there too).
        let initial = min(compressed.count * 4, Self.maxBlockSize)
        if slot.inflateBuffer.count < initial {
            BlockSlot.grow(&slot.inflateBuffer, to: initial)
        }
        while true {
            var produced = 0
            let result = libdeflate_deflate_decompress(
                decompressor, compressed.baseAddress, compressed.count, slot.inflateBuffer.baseAddress,
                slot.inflateBuffer.count, &produced)
            switch result {
            case LIBDEFLATE_SUCCESS:
                return UnsafeRawBufferPointer(start: slot.inflateBuffer.baseAddress, count: produced)
            case LIBDEFLATE_INSUFFICIENT_SPACE:
                guard slot.inflateBuffer.count < Self.maxBlockSize else {
                    throw AvroError(
                        .corruptBlock, "block inflates to more than \(Self.maxBlockSize) bytes", offset: blockOffset,
                        source: path)
                }
                BlockSlot.grow(&slot.inflateBuffer, to: slot.inflateBuffer.count * 2)
            default:
                throw AvroError(.corruptBlock, "block's deflate data is invalid", offset: blockOffset, source: path)
            }
        }
    }

    /// Reads the next block into `slot`; false at the end of the file. With `scanASCII`, also
    /// records in `slot.isASCII` whether the block's (decompressed) bytes are all ASCII.
    private func readBlock(into slot: BlockSlot, scanASCII: Bool) throws(AvroError) -> Bool {
        if try input.isAtEnd() { return false }
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
            throw AvroError(
                .truncated, "block of \(size) bytes runs past the end of the file", offset: sizeOffset, source: path)
        }
        if count > 0 && size == 0 && codec == .deflate {
            throw AvroError(.corruptBlock, "block of \(count) records has no data", offset: blockOffset, source: path)
        }
        BlockSlot.grow(&slot.blockBuffer, to: Int(size))
        try input.read(into: slot.blockBuffer.baseAddress!, count: Int(size), "block data")
        var marker: (UInt64, UInt64) = (0, 0)
        let markerOffset = input.position
        try withUnsafeMutableBytes(of: &marker) { (bytes) throws(AvroError) in
            try input.read(into: bytes.baseAddress!, count: 16, "sync marker")
        }
        let matches = withUnsafeBytes(of: &marker) { bytes in sync.elementsEqual(bytes) }
        guard matches else {
            throw AvroError(
                .badSyncMarker, "block not followed by the file's sync marker", offset: markerOffset, source: path)
        }
        let raw = UnsafeRawBufferPointer(start: slot.blockBuffer.baseAddress, count: Int(size))
        slot.data = codec == .deflate ? try inflate(raw, into: slot, blockOffset: blockOffset) : raw
        slot.count = Int(count)
        slot.offset = blockOffset
        slot.isASCII =
            scanASCII && slot.data.count > 0 && UTF8Validation.isASCII(slot.data.baseAddress!, count: slot.data.count)
        return true
    }

    /// Calls `body` with each decompressed block: (records in block, block bytes, block's file offset).
    /// The buffer is reused: do not escape it.
    package func forEachBlock(_ body: (Int, UnsafeRawBufferPointer, Int) throws -> Void) throws {
        try forEachSlot(scanASCII: false) { slot in try body(slot.count, slot.data, slot.offset) }
    }

    /// Calls `body` with each block's slot (reused: do not keep it). With `scanASCII`, the slot's
    /// `isASCII` says whether the block's bytes are all ASCII; the scan runs where the block is
    /// read (on the read-ahead thread when there is one).
    private func forEachSlot(scanASCII: Bool, _ body: (BlockSlot) throws -> Void) throws {
        guard readAhead else {
            while try readBlock(into: slots[0], scanASCII: scanASCII) {
                try body(slots[0])
            }
            return
        }
        try forEachSlotReadingAhead(scanASCII: scanASCII, body)
    }

    /// Block iteration with a producer thread up to `slots.count` blocks ahead. The semaphores
    /// order every access to a slot: the producer writes slot `i % slots.count` only after `free`
    /// says the caller released it, and the caller reads it only after `filled` says the producer
    /// finished it.
    ///
    /// The caller releases slots in batches of half the slots: when decoding is slower than
    /// reading, the producer then sleeps and is woken once per batch rather than once per block,
    /// which keeps a wake-up system call per block off the decoding thread. This cannot deadlock:
    /// the producer waits only when every slot is filled and unreleased, and then the caller has
    /// filled slots to consume until its batch is complete; the caller waits only when it has
    /// consumed every filled slot, and then fewer than a batch are unreleased, so the producer has
    /// free slots.
    private func forEachSlotReadingAhead(scanASCII: Bool, _ body: (BlockSlot) throws -> Void) throws {
        // Created at 0 and signalled up: libdispatch traps when a semaphore is released with a
        // value below its initial one, which an early exit can leave.
        let free = DispatchSemaphore(value: 0)
        for _ in slots { free.signal() }
        let filled = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let cancelled = CancellationFlag()
        let reader = UncheckedReader(reader: self)
        let producer = Thread {
            var index = 0
            while true {
                free.wait()
                if cancelled.isSet { break }
                let slot = reader.reader.slots[index % reader.reader.slots.count]
                do throws(AvroError) {
                    slot.isEnd = try !reader.reader.readBlock(into: slot, scanASCII: scanASCII)
                    slot.error = nil
                } catch {
                    slot.error = error
                    slot.isEnd = true
                }
                filled.signal()
                if slot.isEnd { break }
                index += 1
            }
            finished.signal()
        }
        producer.name = "avro-read-ahead"
        producer.start()
        defer {
            // Stop the producer (wherever it is) and wait for it: it must not touch the slots or
            // the file after this call returns.
            cancelled.set()
            for _ in slots { free.signal() }
            finished.wait()
        }
        let batch = slots.count / 2
        var unreleased = 0
        var index = 0
        while true {
            filled.wait()
            let slot = slots[index % slots.count]
            if let error = slot.error { throw error }
            if slot.isEnd { return }
            try body(slot)
            unreleased += 1
            if unreleased == batch {
                for _ in 0..<batch { free.signal() }
                unreleased = 0
            }
            index += 1
        }
    }

    /// Calls `body` with each block, ready to decode its records (``AvroBlock``), on the ASCII
    /// fast path when the block is all ASCII. For callers that handle each block's records
    /// together (e.g. a batch counted after its last record, while the block's buffer is alive).
    package func forEachBlockOfRecords(_ body: (inout AvroBlock) throws -> Void) throws {
        // The ASCII check runs on the side with time to spare: with the null codec on the
        // read-ahead thread (reading is a copy), with deflate on this thread (inflating is the
        // slower side).
        let scanWhileReading = codec == .null
        try forEachSlot(scanASCII: scanWhileReading) { slot in
            let asciiOnly: Bool
            if scanWhileReading {
                asciiOnly = slot.isASCII
            } else if let start = slot.data.baseAddress {
                asciiOnly = UTF8Validation.isASCII(start, count: slot.data.count)
            } else {
                asciiOnly = false
            }
            var block = AvroBlock(count: slot.count, data: slot.data, fileOffset: slot.offset, asciiOnly: asciiOnly)
            try body(&block)
        }
    }

    /// Decodes every record with `decoder` (built for this file's `writerSchema`), calling `body`
    /// with the values of each. A block must hold exactly its records. Decoding errors name the
    /// file and the block's file offset in `source`; `offset` is relative to the inflated block.
    package func forEachRecord(
        decoder: AvroRecordDecoder, values: inout AvroValues, _ body: (borrowing AvroValues) throws -> Void
    ) throws {
        try forEachBlockOfRecords { block in
            do {
                try block.checkCount(for: decoder)
                // The values move into a local for the block (and back after it, also on errors):
                // passing the caller's `inout` to `body` costs a retain and release per record,
                // a local does not.
                var local = AvroValues(moving: &values)
                defer { values = AvroValues(moving: &local) }
                for _ in 0..<block.count {
                    try block.decodeRecord(decoder, into: &local)
                    try body(local)
                }
                try block.checkEnd()
            } catch var error as AvroError {
                if error.source == nil { error.source = "\(path) (block at byte \(block.fileOffset))" }
                throw error
            }
        }
    }
}
