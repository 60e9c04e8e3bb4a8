internal import CAuraPrefetch

/// Exact dedup set: 128-bit fingerprints → a 32-bit reference to the aggregate row that counted
/// the key, in an open-addressing table with linear probing.
///
/// 20 bytes per slot (16 fingerprint + 4 reference) at a maximum load factor of 0.85, so at
/// most 23.6 bytes per key. The reference also tells which period the key belongs to (through
/// its row), which is what expiry needs. Removal is a rebuild (`removeAll(where:)`), done when a
/// closed period expires, so there are no tombstones.
package struct DedupTable: Sendable {
    /// `keys[2 * s]`, `keys[2 * s + 1]` = fingerprint (lo, hi) of slot `s`; (0, 0) = empty.
    private(set) var keys: [UInt64]
    /// Reference stored with slot `s`.
    private(set) var refs: [UInt32]
    /// Number of keys.
    package private(set) var count: Int = 0

    /// Maximum load factor, as a fraction: count ≤ capacity × 17 / 20.
    package static let maxLoadNumerator = 17
    package static let maxLoadDenominator = 20

    /// An empty table with room for `minimumCount` keys before it grows.
    package init(minimumCount: Int = 0) {
        let capacity = Self.capacity(for: minimumCount)
        keys = Self.zeroedSlots(UInt64.self, count: 2 * capacity)
        refs = Self.zeroedSlots(UInt32.self, count: capacity)
    }

    /// Rebuilds a table from its raw arrays (a checkpoint), which must come from `keys`/`refs`
    /// of a table (same slot positions). Returns `nil` when the shapes disagree.
    package init?(rawKeys: [UInt64], rawRefs: [UInt32], count: Int) {
        guard rawKeys.count == 2 * rawRefs.count, rawRefs.count >= 16,
              count * Self.maxLoadDenominator <= rawRefs.count * Self.maxLoadNumerator
        else { return nil }
        var occupied = 0
        for s in 0..<rawRefs.count where rawKeys[2 * s] != 0 || rawKeys[2 * s + 1] != 0 { occupied += 1 }
        guard occupied == count else { return nil }
        keys = rawKeys
        refs = rawRefs
        self.count = count
    }

    /// Rebuilds a table of `capacity` slots from its occupied entries only (a version-2
    /// checkpoint, as `exportOccupied` wrote them): `fingerprints` holds (lo, hi) little-endian
    /// u64 pairs, 16 bytes each, and `references` the u32 reference of each, in any order and
    /// alignment. Returns `nil` when the shapes disagree, a fingerprint is zero, a key
    /// repeats, or the keys do not fit at `capacity`.
    package init?(capacity: Int, fingerprints: UnsafeRawBufferPointer, references: UnsafeRawBufferPointer) {
        let count = references.count / 4
        guard capacity >= 16, references.count == 4 * count, fingerprints.count == 16 * count,
              count <= Self.maxCount(capacity: capacity)
        else { return nil }
        var table = DedupTable()
        table.keys = Self.zeroedSlots(UInt64.self, count: 2 * capacity)
        table.refs = Self.zeroedSlots(UInt32.self, count: capacity)
        let ok = table.keys.withUnsafeMutableBufferPointer { k -> Bool in
            table.refs.withUnsafeMutableBufferPointer { r -> Bool in
                // Slots are `0..<capacity`, `k.count == 2 * capacity`, `r.count == capacity`, and
                // entry `i < count` reads bytes below `16 * count` and `4 * count` of the sources
                // (checked above); the pointers stay in this closure.
                for i in 0..<count {
                    let lo = fingerprints.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self)
                    let hi = fingerprints.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self)
                    guard lo != 0 || hi != 0 else { return false }
                    var s = Self.home(hi, capacity)
                    while true {
                        let slo = k[2 * s]
                        let shi = k[2 * s + 1]
                        if slo == 0 && shi == 0 { break }
                        if slo == lo && shi == hi { return false }
                        s += 1
                        if s == capacity { s = 0 }
                    }
                    k[2 * s] = lo
                    k[2 * s + 1] = hi
                    r[s] = references.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                }
                return true
            }
        }
        guard ok else { return nil }
        table.count = count
        self = table
    }

    /// Writes the occupied entries compactly, in slot order: `count` (lo, hi) fingerprint pairs
    /// at `fingerprints` (16 bytes each) and their `count` references at `references`
    /// (4 bytes each); `init(capacity:fingerprints:references:)` reads them back.
    /// - Precondition: the regions hold `16 * count` and `4 * count` bytes.
    package func exportOccupied(fingerprints: UnsafeMutableRawPointer, references: UnsafeMutableRawPointer) {
        var n = 0
        keys.withUnsafeBufferPointer { k in
            refs.withUnsafeBufferPointer { r in
                // `n < count` for every occupied slot, so writes stay within the caller's regions
                // (16 * count and 4 * count bytes); the pointers do not escape this closure.
                for s in 0..<r.count {
                    let lo = k[2 * s]
                    let hi = k[2 * s + 1]
                    if lo != 0 || hi != 0 {
                        // Invariant: `count` is the number of non-zero slots (kept by every mutation).
                        precondition(n < count, "dedup count disagrees with its slots")
                        fingerprints.storeBytes(of: lo, toByteOffset: 16 * n, as: UInt64.self)
                        fingerprints.storeBytes(of: hi, toByteOffset: 16 * n + 8, as: UInt64.self)
                        references.storeBytes(of: r[s], toByteOffset: 4 * n, as: UInt32.self)
                        n += 1
                    }
                }
            }
        }
        // Invariant: as above.
        precondition(n == count, "dedup count disagrees with its slots")
    }

    /// Number of slots.
    package var capacity: Int { refs.count }

    /// Bytes held by the slot arrays.
    package var memoryBytes: Int { keys.count * 8 + refs.count * 4 }

    /// Largest number of keys the table holds at `capacity` without growing.
    package static func maxCount(capacity: Int) -> Int {
        capacity * maxLoadNumerator / maxLoadDenominator
    }

    /// Smallest capacity (at least 16) whose maximum count is `count` or more.
    private static func capacity(for count: Int) -> Int {
        var capacity = max(16, (count * maxLoadDenominator + maxLoadNumerator - 1) / maxLoadNumerator)
        while maxCount(capacity: capacity) < count { capacity += 1 }
        return capacity
    }

    @inline(__always)
    private static func home(_ hi: UInt64, _ capacity: Int) -> Int {
        Int(truncatingIfNeeded: hi.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// Hints the CPU to load the home slot of `fp` (its key and reference) into cache, so a
    /// `probe` of `fp` soon after does not wait for memory. Batched ingest prefetches the
    /// keys of the next events before probing them, so their cache misses overlap.
    @inline(__always)
    package func prefetch(_ fp: Fingerprint) {
        let s = Self.home(fp.hi, refs.count)
        // Prefetching never dereferences; `s < capacity` keeps both addresses inside the arrays,
        // and the pointers do not escape the closures.
        keys.withUnsafeBufferPointer { aura_prefetch($0.baseAddress! + 2 * s) }
        refs.withUnsafeBufferPointer { aura_prefetch($0.baseAddress! + s) }
    }

    /// Hints the CPU to load the reference of `slot` (a `.vacant` probe's), which `fill` writes.
    @inline(__always)
    package func prefetchReference(slot: Int) {
        // Prefetching never dereferences; `slot < capacity` (it came from `probe`) and the
        // pointer does not escape the closure.
        refs.withUnsafeBufferPointer { aura_prefetch($0.baseAddress! + slot) }
    }

    /// Grows (by doubling, as inserts do) until `additional` more keys fit, so that many
    /// `probe`/`fill` pairs run without a resize (slots computed before them stay valid).
    package mutating func makeRoom(additional: Int) {
        var capacity = refs.count
        while count + additional > Self.maxCount(capacity: capacity) { capacity *= 2 }
        if capacity != refs.count { resize(to: capacity) }
    }

    /// The reference stored with `fp`, if present.
    package func lookup(_ fp: Fingerprint) -> UInt32? {
        let capacity = refs.count
        var s = Self.home(fp.hi, capacity)
        return keys.withUnsafeBufferPointer { k -> UInt32? in
            // `s < capacity` always, so `2 * s + 1 < k.count`; the pointer stays in this closure.
            while true {
                let lo = k[2 * s]
                let hi = k[2 * s + 1]
                if lo == fp.lo && hi == fp.hi { return refs[s] }
                if lo == 0 && hi == 0 { return nil }
                s += 1
                if s == capacity { s = 0 }
            }
        }
    }

    /// Inserts `fp` with `ref` unless present.
    /// - Returns: `nil` when inserted; the stored reference when `fp` was already there
    ///   (the table is then unchanged).
    /// - Precondition: `fp` is not (0, 0) (`ByteHash.fingerprint` never returns it).
    @discardableResult
    package mutating func insert(_ fp: Fingerprint, ref: UInt32) -> UInt32? {
        // Invariant: ByteHash.fingerprint never yields (0, 0), the empty-slot marker.
        precondition(fp.lo != 0 || fp.hi != 0, "the zero fingerprint marks empty slots")
        if count + 1 > Self.maxCount(capacity: refs.count) { resize(to: refs.count * 2) }
        let capacity = refs.count
        var s = Self.home(fp.hi, capacity)
        let found: Int? = keys.withUnsafeMutableBufferPointer { k -> Int? in
            // Slots are `0..<capacity` and `k.count == 2 * capacity`; the pointer stays here.
            while true {
                let lo = k[2 * s]
                let hi = k[2 * s + 1]
                if lo == fp.lo && hi == fp.hi { return s }
                if lo == 0 && hi == 0 {
                    k[2 * s] = fp.lo
                    k[2 * s + 1] = fp.hi
                    return nil
                }
                s += 1
                if s == capacity { s = 0 }
            }
        }
        if let found { return refs[found] }
        refs[s] = ref
        count += 1
        return nil
    }

    /// What `probe` found.
    package enum Probe: Equatable {
        /// The key is present with this reference.
        case found(UInt32)
        /// The key is absent; `fill` it into this slot.
        case vacant(Int)
    }

    /// Looks `fp` up in one pass, first growing the table if one more key would not fit, so a
    /// `.vacant` slot can be filled without probing again.
    package mutating func probe(_ fp: Fingerprint) -> Probe {
        // Invariant: ByteHash.fingerprint never yields (0, 0), the empty-slot marker.
        precondition(fp.lo != 0 || fp.hi != 0, "the zero fingerprint marks empty slots")
        if count + 1 > Self.maxCount(capacity: refs.count) { resize(to: refs.count * 2) }
        let capacity = refs.count
        var s = Self.home(fp.hi, capacity)
        return keys.withUnsafeBufferPointer { k -> Probe in
            // `s < capacity` and `k.count == 2 * capacity`; the pointer stays in this closure.
            while true {
                let lo = k[2 * s]
                let hi = k[2 * s + 1]
                if lo == fp.lo && hi == fp.hi { return .found(refs[s]) }
                if lo == 0 && hi == 0 { return .vacant(s) }
                s += 1
                if s == capacity { s = 0 }
            }
        }
    }

    /// Stores `fp` with `ref` in the slot a `.vacant` probe returned.
    /// - Precondition: the table was not changed since that `probe` (the slot is still empty).
    package mutating func fill(_ slot: Int, _ fp: Fingerprint, ref: UInt32) {
        // Invariant: nothing changed the table since `probe` returned `slot`.
        precondition(keys[2 * slot] == 0 && keys[2 * slot + 1] == 0, "fill needs the slot of the last probe")
        keys[2 * slot] = fp.lo
        keys[2 * slot + 1] = fp.hi
        refs[slot] = ref
        count += 1
    }

    /// Calls `body` with every (fingerprint, reference), in slot order.
    package func forEach(_ body: (Fingerprint, UInt32) throws -> Void) rethrows {
        for s in 0..<refs.count {
            let lo = keys[2 * s]
            let hi = keys[2 * s + 1]
            if lo != 0 || hi != 0 { try body(Fingerprint(lo: lo, hi: hi), refs[s]) }
        }
    }

    /// Drops every key whose reference satisfies `predicate` (rebuilds the table).
    package mutating func removeAll(where predicate: (UInt32) -> Bool) {
        var kept = DedupTable(minimumCount: count)
        forEach { fp, ref in
            if !predicate(ref) { kept.insert(fp, ref: ref) }
        }
        self = kept
    }

    /// Grows so that `additional` more keys fit without a resize.
    package mutating func reserve(additional: Int) {
        let needed = Self.capacity(for: count + additional)
        if needed > refs.count { resize(to: needed) }
    }

    private mutating func resize(to newCapacity: Int) {
        var grown = DedupTable()
        grown.keys = Self.zeroedSlots(UInt64.self, count: 2 * newCapacity)
        grown.refs = Self.zeroedSlots(UInt32.self, count: newCapacity)
        forEach { fp, ref in grown.insertUnchecked(fp, ref: ref) }
        self = grown
    }

    /// Insert of a key known to be absent, with room known to exist (resize only).
    private mutating func insertUnchecked(_ fp: Fingerprint, ref: UInt32) {
        let capacity = refs.count
        var s = Self.home(fp.hi, capacity)
        while keys[2 * s] != 0 || keys[2 * s + 1] != 0 {
            s += 1
            if s == capacity { s = 0 }
        }
        keys[2 * s] = fp.lo
        keys[2 * s + 1] = fp.hi
        refs[s] = ref
        count += 1
    }
}
