/// Bounds-checked little-endian reader over checkpoint bytes; every read past the end throws
/// `.truncated` (or `.corrupt` inside a section whose length is known).
struct ByteReader {
    let buffer: UnsafeRawBufferPointer
    var offset: Int
    let end: Int
    let source: String

    init(_ buffer: UnsafeRawBufferPointer, from offset: Int = 0, end: Int? = nil, source: String) {
        self.buffer = buffer
        self.offset = offset
        self.end = end ?? buffer.count
        self.source = source
    }

    var remaining: Int { end - offset }

    func fail(_ what: String) -> AggregationError {
        AggregationError(.corrupt, "checkpoint section overruns at byte \(offset): \(what)", source: source)
    }

    mutating func need(_ n: Int, _ what: String) throws(AggregationError) {
        guard n >= 0, n <= remaining else { throw fail(what) }
    }

    mutating func u16(_ what: String) throws(AggregationError) -> UInt16 {
        try need(2, what)
        defer { offset += 2 }
        return UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func u32(_ what: String) throws(AggregationError) -> UInt32 {
        try need(4, what)
        defer { offset += 4 }
        return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func u64(_ what: String) throws(AggregationError) -> UInt64 {
        try need(8, what)
        defer { offset += 8 }
        return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func i64(_ what: String) throws(AggregationError) -> Int64 { Int64(bitPattern: try u64(what)) }

    /// A count that must fit in what remains at `elementSize` bytes each.
    mutating func count(_ elementSize: Int, _ what: String) throws(AggregationError) -> Int {
        let n = try u64(what)
        guard n <= UInt64(remaining / max(1, elementSize)) else { throw fail("\(what) count \(n)") }
        return Int(n)
    }

    /// A number that must be at most `limit` (a capacity or count checked later against the data):
    /// never converted to `Int` unchecked, so a damaged value cannot trap.
    mutating func bounded(_ limit: Int, _ what: String) throws(AggregationError) -> Int {
        let n = try u64(what)
        guard n <= UInt64(limit) else { throw fail("\(what) \(n) exceeds \(limit)") }
        return Int(n)
    }

    /// Copies `count` POD elements out (one memcpy).
    mutating func raw<T>(_ type: T.Type, count: Int, _ what: String) throws(AggregationError) -> [T] {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw fail("\(what) count \(count)") }
        try need(bytes, what)
        let start = offset
        offset += bytes
        return [T](unsafeUninitializedCapacity: count) { dst, initialized in
            // `dst` holds `count` elements; the source range was bounds-checked above.
            if bytes > 0 {
                UnsafeMutableRawPointer(dst.baseAddress!).copyMemory(
                    from: buffer.baseAddress! + start, byteCount: bytes)
            }
            initialized = count
        }
    }

    mutating func skipTo8() throws(AggregationError) {
        let pad = (8 - offset % 8) % 8
        try need(pad, "padding")
        offset += pad
    }
}
