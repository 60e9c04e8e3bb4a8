internal import CAuraPrefetch

/// Exact dedup set: 128-bit fingerprints → a 32-bit reference to the aggregate row that counted
/// the key, in an open-addressing table of 64-byte buckets with linear probing over buckets.
///
/// A bucket is one cache line holding 3 slots: words 0–5 the fingerprints (lo, hi) of slots
/// 0, 1, 2; word 6 the references of slots 0 (low half) and 1 (high half); word 7 that of slot 2.
/// A new key takes the first empty slot of its probe sequence, so a lookup (or the insert of a
/// new key) reads one cache line in the common case. 21.3 bytes per slot at a maximum load
/// factor of 0.9: at most 23.7 bytes per key. Slot `s` is entry `s % 3` of bucket `s / 3`.
/// The reference also tells which period the key belongs to (through its row), which is what
/// expiry needs. Removal is a rebuild (`compact`, `removeAll(where:)`), done when a closed period expires,
/// so there are no tombstones. Growth doubles the buckets; from 4 MiB the storage is an
/// address-space reservation that grows in place and the keys are rehashed within it
/// (`rehashInPlace`), so a doubling neither allocates nor zeroes a second table.
package struct DedupTable: Sendable {
    private var storage: DedupStorage
    /// Number of keys.
    package private(set) var count: Int = 0

    /// Maximum load factor, as a fraction: count ≤ capacity × 9 / 10.
    package static let maxLoadNumerator = 9
    package static let maxLoadDenominator = 10

    /// An empty table with room for `minimumCount` keys before it grows.
    package init(minimumCount: Int = 0) {
        storage = DedupStorage(buckets: Self.buckets(for: minimumCount))
    }

    /// An empty table with room for `minimumCount` keys whose storage is an address-space
    /// reservation that grows in place even while small (`DedupStorage`; from 4 MiB every
    /// table is one). Tests use it to exercise in-place growth from the smallest size.
    init(minimumCount: Int, reservingAddressSpace: Bool) {
        storage = DedupStorage(buckets: Self.buckets(for: minimumCount), reserve: reservingAddressSpace)
    }

    /// Whether the storage is an address-space reservation that can grow in place.
    var growsInPlace: Bool { storage.isReservation }

    /// Identifies the storage object (tests check that in-place growth kept it).
    var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// Rebuilds a table from version-1 checkpoint arrays (`2 * slots` fingerprint words and
    /// `slots` references, empty slots zero, at most 0.85 of the slots used), inserting every
    /// occupied slot. Returns `nil` when the shapes disagree or a key repeats.
    package init?(rawKeys: [UInt64], rawRefs: [UInt32], count: Int) {
        guard rawKeys.count == 2 * rawRefs.count, rawRefs.count >= 16, count * 20 <= rawRefs.count * 17 else {
            return nil
        }
        var occupied = 0
        for s in 0..<rawRefs.count where rawKeys[2 * s] != 0 || rawKeys[2 * s + 1] != 0 { occupied += 1 }
        guard occupied == count else { return nil }
        var table = DedupTable(minimumCount: count)
        for s in 0..<rawRefs.count where rawKeys[2 * s] != 0 || rawKeys[2 * s + 1] != 0 {
            guard table.insert(Fingerprint(lo: rawKeys[2 * s], hi: rawKeys[2 * s + 1]), ref: rawRefs[s]) == nil else {
                return nil
            }
        }
        self = table
    }

    /// Rebuilds a table of (at least) `capacity` slots from its occupied entries only (a
    /// version-2 checkpoint, as `exportOccupied` wrote them): `fingerprints` holds (lo, hi)
    /// little-endian u64 pairs, 16 bytes each, and `references` the u32 reference of each, in
    /// any order and alignment. `merging` adds more keys in the same layout (the keys of the
    /// delta records that follow a base). Returns `nil` when the shapes disagree, a fingerprint
    /// is zero, a key repeats, or the keys do not fit at `capacity`.
    ///
    /// The entries of a checkpoint come in slot order, so their homes ascend and the build
    /// sweeps the table once, front to back. Each merged run (a delta record's keys, written
    /// in home order by `homeOrder`) is consumed alongside, bin by bin (the top bits of `hi`,
    /// which order homes): a bin's keys are inserted right after the sweep has filled that part
    /// of the table, while it is in cache, instead of one cache miss per key.
    package init?(
        capacity: Int, fingerprints: UnsafeRawBufferPointer, references: UnsafeRawBufferPointer,
        merging runs: [(fingerprints: UnsafeRawBufferPointer, references: UnsafeRawBufferPointer)] = []
    ) {
        let count = references.count / 4
        let buckets = (capacity + 2) / 3
        var added = 0
        for run in runs {
            guard run.references.count % 4 == 0, run.fingerprints.count == 4 * run.references.count else {
                return nil
            }
            added += run.references.count / 4
        }
        guard capacity >= 16, references.count == 4 * count, fingerprints.count == 16 * count,
            count + added <= Self.maxCount(capacity: 3 * buckets)
        else { return nil }
        var table = DedupTable()
        table.storage = DedupStorage(buckets: buckets)
        let w = table.storage.words
        let bins = Self.mergeBins(added)
        let shift = UInt64(64 - bins.trailingZeroBitCount)
        var next = [Int](repeating: 0, count: runs.count)
        var nextBin = 0
        // Inserts the keys of every run from its cursor on while they belong to bins below
        // `last`; false on a zero or repeated key. A run written in home order (as
        // `encodeDelta` writes them) is thus consumed bin by bin; keys out of order wait for a
        // later bin (at the latest the final flush), which is slower but as correct. Reads stay
        // below each run's `n` entries (shapes checked above); `locate` stays within the storage.
        func flush(to last: Int) -> Bool {
            guard nextBin < last else { return true }
            for r in runs.indices {
                let run = runs[r]
                let n = run.references.count / 4
                var i = next[r]
                while i < n {
                    let hi = run.fingerprints.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self)
                    if last < bins {
                        if Int(truncatingIfNeeded: hi >> shift) >= last { break }
                    } else if i + 16 < n {
                        // The final flush takes what is left, in any order (all of a run not
                        // written in home order): overlap its cache misses, as ingest does.
                        let ahead = run.fingerprints.loadUnaligned(fromByteOffset: 16 * (i + 16) + 8, as: UInt64.self)
                        aura_prefetch(w + 8 * Self.home(ahead, buckets))
                    }
                    let fp = Fingerprint(
                        lo: run.fingerprints.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self), hi: hi)
                    guard fp.lo != 0 || fp.hi != 0 else { return false }
                    let (slot, found) = Self.locate(w, buckets, fp)
                    guard !found else { return false }
                    Self.store(w, slot, fp, run.references.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    i += 1
                }
                next[r] = i
                if i < n, let f = run.fingerprints.baseAddress, let refs = run.references.baseAddress {
                    // The run's next bin (about 64 / runs keys): its lines are fetched while the
                    // sweep fills the table up to it, rather than missed one by one then. The
                    // addresses lie inside the run's buffers (`i < n`) or at most 256 bytes past
                    // them; prefetching never dereferences.
                    aura_prefetch(f + 16 * i)
                    aura_prefetch(f + 16 * i + 64)
                    aura_prefetch(f + 16 * i + 128)
                    aura_prefetch(refs + 4 * i)
                }
            }
            nextBin = last
            return true
        }
        // The base's entries in `bins` slices, each followed by the merged keys of its bin:
        // slice `b` ends where the sweep has reached fraction (b + 1) / bins of the table.
        var start = 0
        for b in 0..<bins {
            let end = (b + 1) * count / bins
            guard Self.insertEntries(w, buckets, fingerprints, references, start..<end), flush(to: b + 1) else {
                return nil
            }
            start = end
        }
        table.count = count + added
        self = table
    }

    /// Inserts entries `range` of `fingerprints` (16 bytes each) and `references` (4 bytes
    /// each) into the storage `w` of `buckets` buckets; false on a zero or present key.
    /// - Precondition: `range` lies within both sources and the keys fit (the caller checked).
    @inline(__always)
    private static func insertEntries(
        _ w: UnsafeMutablePointer<UInt64>, _ buckets: Int, _ fingerprints: UnsafeRawBufferPointer,
        _ references: UnsafeRawBufferPointer, _ range: Range<Int>
    ) -> Bool {
        // Entry `i` reads bytes below `16 * range.upperBound` and `4 * range.upperBound` of the
        // sources (the caller's precondition); `locate` stays within the `8 * buckets` words.
        for i in range {
            let fp = Fingerprint(
                lo: fingerprints.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self),
                hi: fingerprints.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self))
            guard fp.lo != 0 || fp.hi != 0 else { return false }
            let (slot, found) = locate(w, buckets, fp)
            guard !found else { return false }
            store(w, slot, fp, references.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        return true
    }

    /// How many home bins the merged keys are inserted by: about 64 keys per bin, at most 256
    /// (coarser than `homeOrder`'s 1,024 groups, so runs in its order are consumed in order).
    /// At 1M keys and 40 runs, 256 bins restored 2–4 % faster than 1,024 or 64: fewer switches
    /// between runs, while a bin's part of the table (192 KiB at 1.4M keys) still stays in cache.
    private static func mergeBins(_ added: Int) -> Int {
        var bins = 1
        while bins < 256 && bins * 64 < added { bins *= 2 }
        return bins
    }

    /// The indexes `0..<count` of keys ordered by the top 10 bits of their `hi(index)` (a
    /// stable counting sort): their homes ascend at the granularity the merging build bins by
    /// (`init(capacity:fingerprints:references:merging:)`), which then inserts them while
    /// their part of the table is in cache.
    package static func homeOrder(_ count: Int, hi: (Int) -> UInt64) -> [UInt32] {
        var starts = [Int](repeating: 0, count: 1025)
        for i in 0..<count { starts[Int(truncatingIfNeeded: hi(i) >> 54) + 1] += 1 }
        for b in 0..<1024 { starts[b + 1] += starts[b] }
        return [UInt32](unsafeUninitializedCapacity: count) { order, initialized in
            // `starts[b]` stays below `starts[b + 1] <= count`: the counts above reserved each
            // index's place, so every write lands inside `order`'s `count` elements.
            for i in 0..<count {
                let b = Int(truncatingIfNeeded: hi(i) >> 54)
                order[starts[b]] = UInt32(truncatingIfNeeded: i)
                starts[b] += 1
            }
            initialized = count
        }
    }

    /// Writes the occupied entries compactly, in slot order: `count` (lo, hi) fingerprint pairs
    /// at `fingerprints` (16 bytes each) and their `count` references at `references`
    /// (4 bytes each); `init(capacity:fingerprints:references:)` reads them back.
    /// - Precondition: the regions hold `16 * count` and `4 * count` bytes.
    package func exportOccupied(fingerprints: UnsafeMutableRawPointer, references: UnsafeMutableRawPointer) {
        var n = 0
        forEach { fp, ref in
            // Invariant: `count` is the number of non-zero slots (kept by every mutation), so
            // writes stay within the caller's regions of 16 * count and 4 * count bytes.
            precondition(n < count, "dedup count disagrees with its slots")
            fingerprints.storeBytes(of: fp.lo, toByteOffset: 16 * n, as: UInt64.self)
            fingerprints.storeBytes(of: fp.hi, toByteOffset: 16 * n + 8, as: UInt64.self)
            references.storeBytes(of: ref, toByteOffset: 4 * n, as: UInt32.self)
            n += 1
        }
        // Invariant: as above.
        precondition(n == count, "dedup count disagrees with its slots")
    }

    /// Number of slots (3 per bucket).
    package var capacity: Int { 3 * storage.buckets }

    /// Bytes held by the slot memory.
    package var memoryBytes: Int { 64 * storage.buckets }

    /// Largest number of keys the table holds at `capacity` slots without growing.
    package static func maxCount(capacity: Int) -> Int {
        capacity * maxLoadNumerator / maxLoadDenominator
    }

    /// Smallest number of buckets (at least 6: 18 slots) whose maximum count is `count` or more.
    private static func buckets(for count: Int) -> Int {
        var buckets = max(6, (count * maxLoadDenominator + 3 * maxLoadNumerator - 1) / (3 * maxLoadNumerator))
        while maxCount(capacity: 3 * buckets) < count { buckets += 1 }
        return buckets
    }

    @inline(__always)
    static func home(_ hi: UInt64, _ buckets: Int) -> Int {
        Int(truncatingIfNeeded: hi.multipliedFullWidth(by: UInt64(buckets)).high)
    }

    // MARK: Slot access (`w` = `storage.words`; every slot index is below `3 * buckets`)

    /// The slot holding `fp` (`found`), or the first empty slot of its probe sequence.
    /// Terminates because the load factor stays below 1 (there is always an empty slot).
    /// Bucket and slot arithmetic wraps (`&+`, `&*`): `b < buckets` and a storage of `buckets`
    /// buckets spans `64 * buckets` bytes, so none of it can overflow.
    @inline(__always)
    static func locate(_ w: UnsafeMutablePointer<UInt64>, _ buckets: Int, _ fp: Fingerprint) -> (
        slot: Int, found: Bool
    ) {
        var b = home(fp.hi, buckets)
        while true {
            let base = w + (b &* 8)
            let slot = b &* 3
            let lo0 = base[0]
            let hi0 = base[1]
            if lo0 == fp.lo && hi0 == fp.hi { return (slot, true) }
            if lo0 | hi0 == 0 { return (slot, false) }
            let lo1 = base[2]
            let hi1 = base[3]
            if lo1 == fp.lo && hi1 == fp.hi { return (slot &+ 1, true) }
            if lo1 | hi1 == 0 { return (slot &+ 1, false) }
            let lo2 = base[4]
            let hi2 = base[5]
            if lo2 == fp.lo && hi2 == fp.hi { return (slot &+ 2, true) }
            if lo2 | hi2 == 0 { return (slot &+ 2, false) }
            b &+= 1
            if b == buckets { b = 0 }
        }
    }

    @inline(__always)
    private static func reference(_ w: UnsafeMutablePointer<UInt64>, _ slot: Int) -> UInt32 {
        let b = slot / 3
        let e = slot - 3 * b
        let base = w + 8 * b
        return e == 2 ? UInt32(truncatingIfNeeded: base[7]) : UInt32(truncatingIfNeeded: base[6] >> UInt64(32 * e))
    }

    @inline(__always)
    private static func isEmpty(_ w: UnsafeMutablePointer<UInt64>, _ slot: Int) -> Bool {
        let b = slot / 3
        let e = slot - 3 * b
        return w[8 * b + 2 * e] == 0 && w[8 * b + 2 * e + 1] == 0
    }

    @inline(__always)
    static func store(_ w: UnsafeMutablePointer<UInt64>, _ slot: Int, _ fp: Fingerprint, _ ref: UInt32) {
        let b = slot / 3
        let e = slot - 3 * b
        let base = w + 8 * b
        base[2 * e] = fp.lo
        base[2 * e + 1] = fp.hi
        if e == 2 {
            base[7] = UInt64(ref)
        } else {
            let shift = UInt64(32 * e)
            base[6] = base[6] & ~(0xFFFF_FFFF << shift) | UInt64(ref) << shift
        }
    }

    /// Copies the storage if another value shares it (copy-on-write), before a mutation.
    @inline(__always)
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    // MARK: Operations

    /// Hints the CPU to load the home bucket of `fp` into cache, so a `probe` of `fp` soon after
    /// does not wait for memory. Batched ingest prefetches the keys of the next events before
    /// probing them, so their cache misses overlap.
    @inline(__always)
    package func prefetch(_ fp: Fingerprint) {
        // Prefetching never dereferences; the home bucket lies inside the storage and the next
        // one at most one bucket past its end (never read).
        let home = storage.words + 8 * Self.home(fp.hi, storage.buckets)
        aura_prefetch(home)
        aura_prefetch(home + 8)
    }

    /// Grows (by doubling, as inserts do) until `additional` more keys fit, so that many
    /// `probe`/`fill` pairs run without a resize (slots computed before them stay valid).
    package mutating func makeRoom(additional: Int) {
        var buckets = storage.buckets
        while count + additional > Self.maxCount(capacity: 3 * buckets) { buckets *= 2 }
        if buckets != storage.buckets { resize(toBuckets: buckets) }
    }

    /// The reference stored with `fp`, if present.
    package func lookup(_ fp: Fingerprint) -> UInt32? {
        let w = storage.words
        let (slot, found) = Self.locate(w, storage.buckets, fp)
        return found ? Self.reference(w, slot) : nil
    }

    /// Inserts `fp` with `ref` unless present.
    /// - Returns: `nil` when inserted; the stored reference when `fp` was already there
    ///   (the table is then unchanged).
    /// - Precondition: `fp` is not (0, 0) (`ByteHash.fingerprint` never returns it).
    @discardableResult
    package mutating func insert(_ fp: Fingerprint, ref: UInt32) -> UInt32? {
        // Invariant: ByteHash.fingerprint never yields (0, 0), the empty-slot marker.
        precondition(fp.lo != 0 || fp.hi != 0, "the zero fingerprint marks empty slots")
        if count + 1 > Self.maxCount(capacity: capacity) { resize(toBuckets: 2 * storage.buckets) }
        makeUnique()
        let w = storage.words
        let (slot, found) = Self.locate(w, storage.buckets, fp)
        if found { return Self.reference(w, slot) }
        Self.store(w, slot, fp, ref)
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
        if count + 1 > Self.maxCount(capacity: capacity) { resize(toBuckets: 2 * storage.buckets) }
        let w = storage.words
        let (slot, found) = Self.locate(w, storage.buckets, fp)
        return found ? .found(Self.reference(w, slot)) : .vacant(slot)
    }

    /// Stores `fp` with `ref` in the slot a `.vacant` probe returned.
    /// - Precondition: the table was not changed since that `probe` (the slot is still empty).
    package mutating func fill(_ slot: Int, _ fp: Fingerprint, ref: UInt32) {
        makeUnique()
        // Invariant: nothing changed the table since `probe` returned `slot` (a copy made just
        // above has the same slots).
        precondition(
            slot >= 0 && slot < capacity && Self.isEmpty(storage.words, slot), "fill needs the slot of the last probe")
        Self.store(storage.words, slot, fp, ref)
        count += 1
    }

    /// Calls `body` with every (fingerprint, reference), in slot order.
    package func forEach(_ body: (Fingerprint, UInt32) throws -> Void) rethrows {
        let w = storage.words
        for b in 0..<storage.buckets {
            let base = w + 8 * b
            for e in 0..<3 {
                let lo = base[2 * e]
                let hi = base[2 * e + 1]
                if lo != 0 || hi != 0 { try body(Fingerprint(lo: lo, hi: hi), Self.reference(w, 3 * b + e)) }
            }
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

    /// Drops every key for which `transform` returns nil and gives the others the reference it
    /// returns, in one rebuild into a table sized for the keys kept, or for `minimumCount` if
    /// more (a removal shrinks the memory too). `transform` is called twice per key (once to
    /// count, once to copy), so it must be a pure function of the reference.
    package mutating func compact(minimumCount: Int = 0, _ transform: (UInt32) -> UInt32?) {
        var kept = 0
        forEach { _, ref in if transform(ref) != nil { kept += 1 } }
        var table = DedupTable(minimumCount: max(kept, minimumCount))
        forEach { fp, ref in
            if let mapped = transform(ref) { table.insert(fp, ref: mapped) }
        }
        self = table
    }

    /// Grows so that `additional` more keys fit without a resize.
    package mutating func reserve(additional: Int) {
        let needed = Self.buckets(for: count + additional)
        if needed > storage.buckets { resize(toBuckets: needed) }
    }

    /// Grows to `buckets` buckets, keeping every key. In place when this value holds the only
    /// reference to a reservation with room (`DedupStorage.grow`), else into a new storage.
    private mutating func resize(toBuckets buckets: Int) {
        let old = storage.buckets
        if isKnownUniquelyReferenced(&storage), storage.grow(toBuckets: buckets) {
            Self.rehashInPlace(storage.words, from: old, to: buckets)
            return
        }
        let grown = DedupStorage(buckets: buckets, reserve: storage.isReservation)
        let w = grown.words
        // Every key is distinct and fits (the new table is larger); `locate` stays in `grown`.
        forEach { fp, ref in
            let (slot, _) = Self.locate(w, buckets, fp)
            Self.store(w, slot, fp, ref)
        }
        storage = grown
    }
}
