/// Byte string → dense `UInt32` id, without a `String` per lookup.
///
/// All bytes live in one arena; an open-addressing (linear probing) index maps a hash of the
/// bytes to ids, and candidates are confirmed by comparing bytes. Ids are assigned 0, 1, 2, …
/// in first-seen order and never change.
package struct InternTable: Sendable {
    /// Concatenated bytes of every string.
    private(set) var arena: [UInt8] = []
    /// `ends[id]` = end offset of string `id` in `arena` (its start is `ends[id - 1]`, or 0).
    private(set) var ends: [UInt32] = []
    /// Slot → id + 1 (0 = empty). Capacity is a power of two.
    private var slots: [UInt32]
    private var hashes: [UInt64] = []
    /// Ids of recently interned short strings (the hot path's OB, component and app ids).
    private var recent = InternCache()

    package init() {
        slots = [UInt32](repeating: 0, count: 64)
    }

    /// Rebuilds a table from its arena and end offsets (a checkpoint's strings section).
    /// - Returns: `nil` when the offsets are not ascending or pass the arena's end, or there are
    ///   more than `maxCount` strings.
    package init?(arena: [UInt8], ends: [UInt32]) {
        guard ends.count <= Self.maxCount else { return nil }
        var previous: UInt32 = 0
        for end in ends {
            guard end >= previous, Int(end) <= arena.count else { return nil }
            previous = end
        }
        self.init()
        var capacity = 64
        while capacity * 3 < ends.count * 4 + 4 { capacity *= 2 }
        slots = [UInt32](repeating: 0, count: capacity)
        self.arena = arena
        self.ends = ends
        hashes.reserveCapacity(ends.count)
        for id in 0..<ends.count {
            let h = withBytes(UInt32(id)) { ByteHash.hash64($0) }
            hashes.append(h)
            insertSlot(id: UInt32(id), hash: h)
        }
    }

    /// Number of distinct strings.
    package var count: Int { ends.count }

    /// The id of `bytes`, adding them if new (trusted callers: setup, tests, the OB codes of a
    /// close). Input paths use `intern(_:limit:)`, which refuses instead of trapping.
    @inline(__always)
    package mutating func intern(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        // Invariant: reached only with strings the process itself chose (configured OB codes,
        // test data), a few hundred bytes at most, never with bytes from events or files; those
        // go through `intern(_:limit:)`. So the arena cannot reach 4 GiB here.
        guard let id = intern(bytes, limit: Self.maxCount) else { preconditionFailure("intern table is full") }
        return id
    }

    /// Most strings a table holds: ids stay below `nullStringID` and `UInt32.max` (reserved).
    package static let maxCount = Int(UInt32.max) - 2

    /// The id of `bytes`, adding them if new and there is room: `nil` (nothing added) when they
    /// are new and the table already holds `limit` strings, or its arena would reach 4 GiB.
    @inline(__always)
    package mutating func intern(_ bytes: UnsafeRawBufferPointer, limit: Int) -> UInt32? {
        let key = InternCache.key(bytes)
        if let key, let id = recent.lookup(key) { return id }
        guard let id = internUncached(bytes, limit: limit) else { return nil }
        if let key { recent.remember(key, id: id) }
        return id
    }

    /// The id of `bytes` if already interned, through the cache (which it fills): nothing is added.
    @inline(__always)
    package mutating func existing(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        let key = InternCache.key(bytes)
        if let key, let id = recent.lookup(key) { return id }
        guard let id = find(bytes, hash: ByteHash.hash64(bytes)) else { return nil }
        if let key { recent.remember(key, id: id) }
        return id
    }

    /// `intern(_:limit:)` without the cache.
    @inline(never)
    private mutating func internUncached(_ bytes: UnsafeRawBufferPointer, limit: Int) -> UInt32? {
        let h = ByteHash.hash64(bytes)
        if let id = find(bytes, hash: h) { return id }
        // Ids and offsets are UInt32: refuse rather than overflow them.
        guard ends.count < min(limit, Self.maxCount), bytes.count < Int(UInt32.max) - arena.count else { return nil }
        let id = UInt32(ends.count)
        arena.append(contentsOf: bytes)
        ends.append(UInt32(arena.count))
        hashes.append(h)
        if (ends.count + 1) * 4 > slots.count * 3 { grow() }
        insertSlot(id: id, hash: h)
        return id
    }

    /// The id of a Swift string, adding it if new (setup and tests; not the hot path).
    package mutating func intern(_ string: String) -> UInt32 {
        var s = string
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The id of `bytes` if interned.
    package func lookup(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        find(bytes, hash: ByteHash.hash64(bytes))
    }

    /// The id of a Swift string if interned.
    package func lookup(_ string: String) -> UInt32? {
        var s = string
        return s.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// The string of `id` (for output).
    /// - Precondition: `id < count`.
    package func string(_ id: UInt32) -> String {
        withBytes(id) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of `id`; the pointer is valid only inside `body`.
    package func withBytes<R>(_ id: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let i = Int(id)
        let start = i == 0 ? 0 : Int(ends[i - 1])
        let end = Int(ends[i])
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    private func find(_ bytes: UnsafeRawBufferPointer, hash h: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        return arena.withUnsafeBytes { arenaBytes -> UInt32? in
            while true {
                let entry = slots[s]
                if entry == 0 { return nil }
                let id = Int(entry - 1)
                if hashes[id] == h {
                    let start = id == 0 ? 0 : Int(ends[id - 1])
                    let end = Int(ends[id])
                    // Non-empty lengths imply non-nil base addresses; the pointers stay in this closure.
                    if end - start == bytes.count,
                        bytes.count == 0
                            || memcmpEqual(arenaBytes.baseAddress! + start, bytes.baseAddress!, bytes.count)
                    {
                        return entry - 1
                    }
                }
                s = (s + 1) & mask
            }
        }
    }

    private mutating func insertSlot(id: UInt32, hash h: UInt64) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = id + 1
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        for id in 0..<ends.count { insertSlot(id: UInt32(id), hash: hashes[id]) }
    }
}

/// Byte equality of two regions of `count` bytes (both must be valid for `count` bytes).
@inline(__always)
func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
