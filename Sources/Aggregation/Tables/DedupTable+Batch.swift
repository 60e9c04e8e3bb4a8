extension DedupTable {
    /// Inserts the keys `(fingerprints[2i], fingerprints[2i + 1])` with `references[i]`, in the
    /// order of their home bucket rather than the given one (a counting sort on the top 16 bits
    /// of `hi`, which orders homes at every table size): consecutive inserts then touch
    /// neighbouring cache lines instead of missing the cache once per key, as inserting keys in
    /// arrival order into a table larger than the cache does (restoring a checkpoint's delta log).
    /// - Returns: false when a key is zero or already present (the table then holds only part of
    ///   the keys and is to be discarded).
    /// - Precondition: `fingerprints.count == 2 * references.count`.
    package mutating func insertInHomeOrder(fingerprints: [UInt64], references: [UInt32]) -> Bool {
        let n = references.count
        // Invariant: the caller passes one (lo, hi) pair per reference.
        precondition(fingerprints.count == 2 * n, "one fingerprint pair per reference")
        guard n > 0 else { return true }
        reserve(additional: n)
        // Counting sort of the indexes by the top 16 bits of hi (bin starts, then placement).
        var starts = [Int](repeating: 0, count: 1 << 16 + 1)
        for i in 0..<n { starts[Int(fingerprints[2 * i + 1] >> 48) + 1] += 1 }
        for b in 1..<starts.count { starts[b] += starts[b - 1] }
        var order = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let bin = Int(fingerprints[2 * i + 1] >> 48)
            order[starts[bin]] = UInt32(truncatingIfNeeded: i)
            starts[bin] += 1
        }
        for i in order {
            let fp = Fingerprint(lo: fingerprints[2 * Int(i)], hi: fingerprints[2 * Int(i) + 1])
            guard fp.lo != 0 || fp.hi != 0, insert(fp, ref: references[Int(i)]) == nil else { return false }
        }
        return true
    }
}
