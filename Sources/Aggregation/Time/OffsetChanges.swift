/// A zone's UTC offset as a step function of the UTC instant, for building a `PeriodCalendar`:
/// `offsets[0]` is in force before `instants[0]`, `offsets[i + 1]` from `instants[i]` on.
struct OffsetChanges {
    /// UTC ms at which the offset changes, ascending.
    private(set) var instants: [Int64] = []
    /// Offsets from UTC in ms: one more than `instants`.
    private(set) var offsets: [Int64]

    init(initialOffset: Int64) {
        offsets = [initialOffset]
    }

    /// Adds a change at `instant` (after every one added so far) to `offset`; a "change" to the
    /// offset already in force (Foundation reports changes of the DST flag alone) is dropped.
    mutating func append(at instant: Int64, offset: Int64) {
        guard offset != offsets[offsets.count - 1], instants.last.map({ instant > $0 }) ?? true else { return }
        instants.append(instant)
        offsets.append(offset)
    }

    /// The offset in force at the UTC instant `t`.
    func offset(at t: Int64) -> Int64 {
        offsets[piece(containing: t)]
    }

    /// The index into `offsets` of the piece holding `t`: the number of changes at or before it.
    private func piece(containing t: Int64) -> Int {
        var lo = 0
        var hi = instants.count  // invariant: instants[..<lo] <= t, instants[hi...] > t
        while lo < hi {
            let mid = (lo + hi) / 2
            if instants[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first UTC instant at which the local wall-clock time (UTC + offset) is at least
    /// `local` (ms since 1970-01-01 on the wall clock). Within a piece local time runs with UTC;
    /// it jumps at changes: forward over a gap (a local midnight that never happens starts at the
    /// change) or back over an overlap (a midnight that happens twice starts at its first
    /// occurrence). So the answer is the earliest, over the pieces, of
    /// `max(pieceStart, local - offset)` when that lies before the piece's end.
    func firstInstant(reachingLocal local: Int64) -> Int64 {
        // Pieces ending at or before `local - maxOffset` cannot reach it; no offset exceeds a day.
        var index = piece(containing: local - 86_400_000)
        while true {
            let pieceStart = index == 0 ? Int64.min : instants[index - 1]
            let candidate = max(pieceStart, local - offsets[index])
            if index == instants.count || candidate < instants[index] { return candidate }
            index += 1
        }
    }
}
