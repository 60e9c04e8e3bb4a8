/// A small cache in front of `InternTable` for the strings events repeat most (OB codes,
/// component and app ids): the id of a recently interned string of 1...32 bytes, keyed by the
/// bytes themselves packed into four words and the length.
///
/// The packed words determine the bytes exactly (see `key(_:)`), so a hit is a few loads, one
/// multiply and a comparison of one 40-byte entry: no byte hashing, no probing, no comparison
/// against the arena. 256 sets of 2 entries (20 KiB); a miss falls back to the table and
/// `remember`s the answer. Ids never change within a table, so an entry never goes stale.
struct InternCache: Sendable {
    /// One cached string: its packed words, its length (0 = empty entry) and its id.
    struct Entry: Sendable {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        var length: UInt32 = 0
        var id: UInt32 = 0
    }

    /// The packed form of a byte string and the set it belongs to.
    struct Key {
        var w0: UInt64
        var w1: UInt64
        var w2: UInt64
        var w3: UInt64
        var length: UInt32
        /// Index of the set's first entry (sets are entries `2s` and `2s + 1`).
        var set: Int
    }

    static let sets = 256
    /// `2 * sets` entries; way 0 of a set is the most recently remembered.
    private var entries = [Entry](repeating: Entry(), count: 2 * sets)

    /// The packed key of `bytes`, or `nil` when they are empty or longer than 32 bytes.
    ///
    /// Words, for length n: n < 4: the bytes in `w0`; 4...7: `w0` = the 4 bytes at 0 and the 4
    /// ending at n (overlapping); 8...16: `w0`, `w1` = the 8 bytes at 0 and the 8 ending at n;
    /// 17...32: also `w2`, `w3` = the 8 bytes at 8 and the 8 ending at n − 8. Each range covers
    /// `0..<n`, so (length, words) ↔ bytes is one-to-one and equal keys mean equal strings.
    @inline(__always)
    static func key(_ bytes: UnsafeRawBufferPointer) -> Key? {
        let n = bytes.count
        guard n > 0, n <= 32, let p = bytes.baseAddress else { return nil }
        // Every load below lies inside `p ..< p + n` (offsets chosen per length range above);
        // the pointer does not escape.
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0
        if n >= 8 {
            w0 = p.loadUnaligned(as: UInt64.self)
            w1 = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            if n > 16 {
                w2 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                w3 = p.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
            }
        } else if n >= 4 {
            w0 =
                UInt64(p.loadUnaligned(as: UInt32.self))
                | UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
        } else {
            for i in 0..<n { w0 |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i) }
        }
        let mixed = (w0 ^ (w1 &<< 23 | w1 &>> 41) ^ (w2 &<< 43 | w2 &>> 21) ^ w3 ^ UInt64(n)) &* 0x9E37_79B9_7F4A_7C15
        return Key(w0: w0, w1: w1, w2: w2, w3: w3, length: UInt32(n), set: 2 * Int(truncatingIfNeeded: mixed >> 56))
    }

    /// The cached id of the string `key` packs, if any.
    @inline(__always)
    func lookup(_ key: Key) -> UInt32? {
        // Both ways compared without branching on which one matched (that is data-dependent and
        // mispredicts); one well-predicted branch on whether either did.
        let a = entries[key.set]
        let b = entries[key.set + 1]
        let da = (a.w0 ^ key.w0) | (a.w1 ^ key.w1) | (a.w2 ^ key.w2) | (a.w3 ^ key.w3) | UInt64(a.length ^ key.length)
        let db = (b.w0 ^ key.w0) | (b.w1 ^ key.w1) | (b.w2 ^ key.w2) | (b.w3 ^ key.w3) | UInt64(b.length ^ key.length)
        let id = da == 0 ? a.id : b.id
        return min(da, db) == 0 ? id : nil
    }

    /// Caches `id` for the string `key` packs, evicting the set's older entry.
    mutating func remember(_ key: Key, id: UInt32) {
        entries[key.set + 1] = entries[key.set]
        entries[key.set] = Entry(w0: key.w0, w1: key.w1, w2: key.w2, w3: key.w3, length: key.length, id: id)
    }
}
