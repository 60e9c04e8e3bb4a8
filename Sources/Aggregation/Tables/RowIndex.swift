internal import CAuraPrefetch

/// A key that `RowIndex` can hash without `Hasher` (a multiply-fold of its packed fields).
protocol RowIndexKey: Equatable {
    var mixHash: UInt64 { get }
}

/// Key → row number for the aggregate rows: open addressing (linear probing) over row
/// numbers, load ≤ 1/2. Cheaper than `Dictionary` on the hot path (no SipHash); the keys
/// themselves live in the row arrays, so `find`'s caller supplies the key of a row.
struct RowIndex: Sendable {
    /// Slot → row + 1 (0 = empty); capacity is a power of two.
    private var slots = [UInt32](repeating: 0, count: 64)
    private(set) var count = 0

    /// The row holding `key` (`keyOf(row)` gives the key of a stored row), or `nil`.
    func find<K: RowIndexKey>(_ key: K, keyOf: (Int) -> K) -> Int? {
        find(key, hash: key.mixHash, keyOf: keyOf)
    }

    /// `find(_:keyOf:)` for a key whose `mixHash` the caller already has.
    /// - Precondition: `hash == key.mixHash`.
    @inline(__always)
    func find<K: RowIndexKey>(_ key: K, hash: UInt64, keyOf: (Int) -> K) -> Int? {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[s]
            if entry == 0 { return nil }
            if keyOf(Int(entry - 1)) == key { return Int(entry - 1) }
            s = (s + 1) & mask
        }
    }

    /// Hints the CPU to load the home slot of a key with this `mixHash` (see `candidate`).
    @inline(__always)
    func prefetchSlot(hash: UInt64) {
        // `s <= mask < slots.count`; prefetching never dereferences and the pointer stays here.
        slots.withUnsafeBufferPointer {
            aura_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: hash) & (slots.count - 1)))
        }
    }

    /// The row in the home slot of a key with this `mixHash`, if any: the row `find` most
    /// likely returns (a hint for prefetching; `find` confirms keys).
    @inline(__always)
    func candidate(hash: UInt64) -> Int? {
        let entry = slots[Int(truncatingIfNeeded: hash) & (slots.count - 1)]
        return entry == 0 ? nil : Int(entry - 1)
    }

    /// Adds `row` under `key` (which must not be present).
    mutating func insert<K: RowIndexKey>(_ key: K, row: Int, keyOf: (Int) -> K) {
        if (count + 1) * 2 > slots.count {
            let rows = count
            slots = [UInt32](repeating: 0, count: slots.count * 2)
            count = 0
            for r in 0..<rows { place(keyOf(r).mixHash, row: r) }
        }
        place(key.mixHash, row: row)
    }

    private mutating func place(_ hash: UInt64, row: Int) {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = UInt32(row + 1)
        count += 1
    }
}

@inline(__always)
func mix64(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = (a ^ 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: b ^ 0xD6E8_FEB8_6659_FD93)
    return r.high ^ r.low
}

extension AuditRowKey: RowIndexKey {
    var mixHash: UInt64 {
        mix64(UInt64(ob) << 32 | UInt64(component), UInt64(app) << 32 | UInt64(UInt32(bitPattern: period)))
            ^ (UInt64(UInt32(bitPattern: billedIn)) << 8 | UInt64(service)) &* 0x2545_F491_4F6C_DD1D
    }
}

extension GatewayRowKey: RowIndexKey {
    var mixHash: UInt64 {
        mix64(
            UInt64(ob) << 32 | UInt64(app),
            UInt64(UInt32(bitPattern: period)) << 32 | UInt64(UInt32(bitPattern: billedIn)))
    }
}

extension PeriodKey: RowIndexKey {
    var mixHash: UInt64 { mix64(UInt64(ob), UInt64(UInt32(bitPattern: period))) }
}
