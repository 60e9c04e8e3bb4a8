/// What `PartitionState` last worked out per (OB, period) an event was counted in: its
/// statistics row and the period a new event of it is billed in (0 = its own).
///
/// Events of a partition interleave a dozen OBs and two or three periods, so a one-entry
/// memo misses most of the time; this direct-mapped cache of 64 entries (1 KiB) keeps them all,
/// sparing per event the statistics index probe and the closed-period lookups (hashed sets).
/// Statistics rows are only ever appended, so a cached row stays right; the billing period
/// depends on which periods are closed, so the state clears the cache whenever that changes.
struct PeriodCache: Sendable {
    struct Entry: Sendable {
        var ob: UInt32 = 0
        var period: Int32 = 0
        /// Row in `PartitionState.stats`; -1 = empty entry.
        var statsRow: Int32 = -1
        var billedIn: Int32 = 0
    }

    static let size = 64
    private var entries = [Entry](repeating: Entry(), count: size)

    /// The entry slot of `key`.
    @inline(__always)
    static func slot(_ key: PeriodKey) -> Int {
        Int(
            truncatingIfNeeded: ((UInt64(key.ob) << 32 | UInt64(UInt32(bitPattern: key.period)))
                &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    /// The cached (statistics row, billing period) of `key`, if any.
    @inline(__always)
    func lookup(_ key: PeriodKey) -> (statsRow: Int, billedIn: Int32)? {
        let e = entries[Self.slot(key)]
        guard e.statsRow >= 0, e.ob == key.ob, e.period == key.period else { return nil }
        return (Int(e.statsRow), e.billedIn)
    }

    /// Caches the statistics row and billing period of `key`.
    mutating func remember(_ key: PeriodKey, statsRow: Int, billedIn: Int32) {
        entries[Self.slot(key)] = Entry(
            ob: key.ob, period: key.period, statsRow: Int32(truncatingIfNeeded: statsRow), billedIn: billedIn)
    }

    /// Forgets every entry (closed periods changed, or the rows were rebuilt).
    mutating func removeAll() {
        for i in entries.indices { entries[i] = Entry() }
    }
}
