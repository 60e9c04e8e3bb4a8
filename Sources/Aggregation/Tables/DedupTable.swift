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
        keys = [UInt64](repeating: 0, count: 2 * capacity)
        refs = [UInt32](repeating: 0, count: capacity)
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
        grown.keys = [UInt64](repeating: 0, count: 2 * newCapacity)
        grown.refs = [UInt32](repeating: 0, count: newCapacity)
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
