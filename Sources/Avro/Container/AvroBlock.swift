/// One inflated block of a container file, handed out by
/// ``AvroContainerReader/forEachBlockOfRecords(_:)`` for decoding its records one at a time.
///
/// It knows whether the block is all ASCII, and then decodes on the ASCII fast path
/// (`DecodeMachine+ASCII.swift`); the answer is the same either way. The bytes belong to the
/// reader's reused block buffer: valid only during the call that received the block (values
/// decoded from it point into them). Do not escape it.
package struct AvroBlock: ~Copyable {
    /// Records in the block, from its header.
    package let count: Int
    /// The block's inflated bytes.
    package let data: UnsafeRawBufferPointer
    /// The block's byte offset in the file (for error messages).
    package let fileOffset: Int
    /// Read position in `data`: the start of the next record.
    package private(set) var offset = 0
    /// Invariant: true only when `UTF8Validation.isASCII` returned true for all of `data`.
    let asciiOnly: Bool

    init(count: Int, data: UnsafeRawBufferPointer, fileOffset: Int, asciiOnly: Bool) {
        self.count = count
        self.data = data
        self.fileOffset = fileOffset
        self.asciiOnly = asciiOnly
    }

    /// Checks that the block can hold `count` records for `decoder` (a corrupt count must not
    /// make the caller loop for long).
    /// - Throws: `AvroError(.corruptBlock)`.
    package func checkCount(for decoder: AvroRecordDecoder) throws(AvroError) {
        if decoder.minimumRecordSize > 0 && count > data.count / decoder.minimumRecordSize {
            throw AvroError(.corruptBlock, "block claims \(count) records in \(data.count) bytes", offset: 0)
        }
        if decoder.minimumRecordSize == 0 && count > 1 << 24 {
            throw AvroError(.corruptBlock, "block claims \(count) empty records", offset: 0)
        }
    }

    /// Decodes the record at `offset` into `values` and moves past it. Errors carry the offset
    /// in the inflated block; after one, the rest of the block cannot be framed.
    @inline(__always)
    package mutating func decodeRecord(_ decoder: AvroRecordDecoder, into values: inout AvroValues) throws(AvroError) {
        try decoder.decode(data, offset: &offset, into: &values, asciiOnly: asciiOnly)
    }

    /// Checks that the records decoded so far end exactly at the block's end.
    /// - Throws: `AvroError(.trailingBytes)`.
    package func checkEnd() throws(AvroError) {
        if offset != data.count {
            throw AvroError(
                .trailingBytes, "\(data.count - offset) bytes after the block's \(count) records", offset: offset)
        }
    }
}
