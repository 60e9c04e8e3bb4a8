/// Growth in place: moving the keys of a table to their homes in a larger table over the same
/// memory (`DedupStorage.grow`), without a second copy of the table.
extension DedupTable {
    /// Moves every key of a table of `old` buckets to its place in a table of `new > old`
    /// buckets over the same memory, whose buckets `old..<new` are empty.
    ///
    /// Linear probing over *slots*: slot `s` is entry `s % 3` of bucket `s / 3`, a key's probe
    /// starts at slot `3 * home`, and `locate` scans slots in increasing order (wrapping) and
    /// stops at the first empty one. So a table is correct iff every key at slot `p` with home
    /// slot `S` has no empty slot in its probe path `S...p` (cyclically): the invariant.
    ///
    /// The pass visits old buckets `b` from `old - 1` down to 0, takes out their keys (zeroing
    /// the bucket), and places each key whose new home `H` is at least `b` at the first empty
    /// slot from `3 * H` upward, provided that slot comes before the end (no wrap). Any other
    /// key (new home below `b`, or a probe that would wrap) goes to a side list, inserted with
    /// `locate` after the pass. Proof that the result keeps the invariant — before visiting `b`:
    /// 1. slots below `3 * b + 3` hold the untouched old keys of buckets `0...b`;
    /// 2. every key from buckets above `b` is either in the side list, or at a slot `p` whose
    ///    path `3H...p` is occupied and lies at or above `3 * b + 3` (no wrap);
    /// 3. every other slot from `3 * b + 3` on is empty (old buckets were zeroed when visited,
    ///    buckets `old..<new` start empty).
    /// Visiting `b` zeroes bucket `b`; by 3 every slot from `3 * b` on is then empty or holds a
    /// placed key, so a placement probes only such slots, and its path `3H...p` (`H ≥ b`) is
    /// occupied and at or above `3 * b`. Placed keys are never moved or cleared afterwards
    /// (later visits only zero buckets below `b`), so their paths stay occupied: 1–3 hold for
    /// `b - 1`. After bucket 0 every key is placed with an occupied, non-wrapping path, or in
    /// the side list; inserting those with `locate` (first empty slot of their cyclic path)
    /// into this correct table keeps it correct. Every key is taken out exactly once and put
    /// back exactly once, so the keys and `count` are unchanged.
    ///
    /// Why the side list stays short: `home(hi, n)` is `hi * n >> 64`, monotone in `hi` and
    /// scaling with `n`, so for `new ≥ 2 * old` a key whose old home is `h` has new home
    /// `H ≥ 2h` (for `new == 2 * old` exactly `2h` or `2h + 1`). A key at old bucket `b = h + d`
    /// (displaced by `d` buckets) is deferred only when `2h < b`, i.e. `h < d`: the keys in
    /// the first few clusters, those whose probe wraps, and keys of adversarially long
    /// clusters. Growth by less than doubling (`reserve`) defers the keys with `h < d / (r - 1)`
    /// for a ratio `r = new / old`: still few unless `r` is close to 1.
    ///
    /// Memory access is two descending streams (reading near `b`, writing near `2b`), so the
    /// pass runs at memory bandwidth over the old table and the pages of the new part.
    /// - Precondition: `w` holds `8 * new` words, the last `8 * (new - old)` zero, and the first
    ///   `8 * old` a correct table of `old` buckets; no other value references it.
    static func rehashInPlace(_ w: UnsafeMutablePointer<UInt64>, from old: Int, to new: Int) {
        precondition(new > old, "rehashInPlace grows the table")  // resize only grows
        var deferred: [(Fingerprint, UInt32)] = []
        var b = old - 1
        while b >= 0 {
            let base = w + 8 * b
            // The 3 entries of bucket `b < old ≤ new`, read before the bucket is zeroed.
            let keys = (
                Fingerprint(lo: base[0], hi: base[1]), Fingerprint(lo: base[2], hi: base[3]),
                Fingerprint(lo: base[4], hi: base[5])
            )
            let refs = (
                UInt32(truncatingIfNeeded: base[6]), UInt32(truncatingIfNeeded: base[6] >> 32),
                UInt32(truncatingIfNeeded: base[7])
            )
            base.update(repeating: 0, count: 8)
            if keys.0.lo != 0 || keys.0.hi != 0, !placeAbove(w, new, b, keys.0, refs.0) {
                deferred.append((keys.0, refs.0))
            }
            if keys.1.lo != 0 || keys.1.hi != 0, !placeAbove(w, new, b, keys.1, refs.1) {
                deferred.append((keys.1, refs.1))
            }
            if keys.2.lo != 0 || keys.2.hi != 0, !placeAbove(w, new, b, keys.2, refs.2) {
                deferred.append((keys.2, refs.2))
            }
            b -= 1
        }
        for (fp, ref) in deferred {
            // The table is correct and below its maximum load (resize keeps count within it).
            let (slot, _) = locate(w, new, fp)
            store(w, slot, fp, ref)
        }
    }

    /// Stores `fp` at the first empty slot from its home in a table of `buckets` buckets when
    /// that home is bucket `floor` or above and the slot lies before the end; returns whether
    /// it did. Reads and writes only buckets `floor..<buckets`.
    @inline(__always)
    private static func placeAbove(
        _ w: UnsafeMutablePointer<UInt64>, _ buckets: Int, _ floor: Int,
        _ fp: Fingerprint, _ ref: UInt32
    ) -> Bool {
        var b = home(fp.hi, buckets)
        guard b >= floor else { return false }
        while b < buckets {
            let base = w + 8 * b
            for e in 0..<3 where base[2 * e] == 0 && base[2 * e + 1] == 0 {
                store(w, 3 * b + e, fp, ref)
                return true
            }
            b += 1
        }
        return false
    }
}
