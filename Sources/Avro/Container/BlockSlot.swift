/// One block buffer of ``AvroContainerReader``: the raw block bytes, the inflated bytes, and what
/// the last read put there.
///
/// `@unchecked Sendable`: with read-ahead a slot is written by the producer thread and read by the
/// caller's thread, never at the same time; the reader's semaphores order the accesses.
final class BlockSlot: @unchecked Sendable {
    /// Compressed (or, for `null`, plain) block bytes; grown on demand, owned.
    var blockBuffer: UnsafeMutableRawBufferPointer
    /// Inflated block bytes (deflate only); grown on demand, owned.
    var inflateBuffer: UnsafeMutableRawBufferPointer
    /// The block's records, its decoded bytes (into one of the buffers) and its file offset.
    var count = 0
    var data = UnsafeRawBufferPointer(start: nil, count: 0)
    var offset = 0
    /// Whether every byte of `data` was checked to be below 0x80 (false when not checked).
    var isASCII = false
    /// Read-ahead results: the end of the file was reached, or reading failed.
    var isEnd = false
    var error: AvroError?

    init(inflating: Bool) {
        blockBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        inflateBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: inflating ? 1 << 18 : 1, alignment: 16)
    }

    deinit {
        blockBuffer.deallocate()
        inflateBuffer.deallocate()
    }

    /// Replaces `buffer` by one of at least `size` bytes (its content is not kept).
    static func grow(_ buffer: inout UnsafeMutableRawBufferPointer, to size: Int) {
        guard buffer.count < size else { return }
        var capacity = max(buffer.count, 1)
        while capacity < size { capacity *= 2 }
        buffer.deallocate()
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }
}
