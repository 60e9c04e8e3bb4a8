import Testing

@testable import Aggregation

@Suite("DedupTable growth in place")
struct DedupGrowthTests {
    /// The kinds of key the growth tests mix. Homes are `hi * buckets >> 64`, so `hi` near 0
    /// lands in bucket 0 at every size, `hi` near the top in the last bucket (clusters that wrap
    /// past the end into the start), and a narrow band of `hi` shares one home.
    enum Kind: CaseIterable { case random, nearZero, nearTop, sameHome }

    static func key(_ kind: Kind, _ rng: inout SplitMix64) -> Fingerprint {
        let lo = rng.next() | 1
        switch kind {
        case .random: return Fingerprint(lo: lo, hi: rng.next())
        case .nearZero: return Fingerprint(lo: lo, hi: rng.next() >> 40)
        case .nearTop: return Fingerprint(lo: lo, hi: UInt64.max - rng.next() >> 40)
        case .sameHome: return Fingerprint(lo: lo, hi: 0x9E37_79B9_0000_0000 | rng.next() >> 40)
        }
    }

    /// Checks `table` against `model`: every key found with its reference, `count` and
    /// `forEach` agree, and `absent` keys are not found.
    static func verify(
        _ table: DedupTable, _ model: [Fingerprint: UInt32], absent: [Fingerprint],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(table.count == model.count, sourceLocation: sourceLocation)
        var missing = 0
        for (k, ref) in model where table.lookup(k) != ref { missing += 1 }
        #expect(
            missing == 0, "\(missing) keys lost or with a wrong reference at capacity \(table.capacity)",
            sourceLocation: sourceLocation)
        var seen: [Fingerprint: UInt32] = [:]
        var repeats = 0
        table.forEach { k, ref in
            if seen.updateValue(ref, forKey: k) != nil { repeats += 1 }
        }
        #expect(repeats == 0, sourceLocation: sourceLocation)
        #expect(seen == model, sourceLocation: sourceLocation)
        var found = 0
        for k in absent where table.lookup(k) != nil { found += 1 }
        #expect(found == 0, "\(found) absent keys reported present", sourceLocation: sourceLocation)
    }

    @Test(
        "in-place doublings keep every key with its reference, with adversarial clusters at the start, across the end and on one home",
        arguments: [(UInt64(11), 20_000, 0.0), (12, 20_000, 0.2), (13, 12_000, 0.6), (14, 3_000, 1.0)])
    func doublings(seed: UInt64, keys: Int, adversarial: Double) {
        var rng = SplitMix64(seed: seed)
        var table = DedupTable(minimumCount: 0, reservingAddressSpace: true)
        #expect(table.growsInPlace)
        let identity = table.storageIdentity
        var model: [Fingerprint: UInt32] = [:]
        // Absent keys of every kind, drawn from another stream (distinct from the inserted ones
        // with overwhelming probability; the model is checked to be sure).
        var other = SplitMix64(seed: seed ^ 0xFFFF)
        let absent = (0..<2_000).map { Self.key(Kind.allCases[$0 % 4], &other) }
        var capacity = table.capacity
        var doublings = 0
        for i in 0..<keys {
            let adversarialKey = Double(rng.next() >> 11) / Double(1 << 53) < adversarial
            let kind: Kind = adversarialKey ? [.nearZero, .nearTop, .sameHome][Int(rng.next() % 3)] : .random
            let k = Self.key(kind, &rng)
            let ref = UInt32(truncatingIfNeeded: rng.next())
            let expected = model[k]
            #expect(table.insert(k, ref: ref) == expected)
            if expected == nil { model[k] = ref }
            if table.capacity != capacity {
                #expect(table.capacity == 2 * capacity, "inserts grow by doubling")
                capacity = table.capacity
                doublings += 1
                Self.verify(table, model, absent: absent.filter { model[$0] == nil })
            }
            if i % 997 == 0, let (k, ref) = model.first { #expect(table.insert(k, ref: ref &+ 1) == ref) }
        }
        #expect(doublings >= 8)
        #expect(table.storageIdentity == identity, "grew in place, never reallocated")
        Self.verify(table, model, absent: absent.filter { model[$0] == nil })
    }

    @Test("reserve and makeRoom grow in place by any factor, and probe/fill after growth find the same slots")
    func reserveFactors() {
        var rng = SplitMix64(seed: 21)
        var table = DedupTable(minimumCount: 0, reservingAddressSpace: true)
        let identity = table.storageIdentity
        var model: [Fingerprint: UInt32] = [:]
        let kinds = Kind.allCases
        for round in 0..<12 {
            // Fill to the maximum load, then grow by a factor between 1.02 and ~5.
            let room = DedupTable.maxCount(capacity: table.capacity) - table.count
            for _ in 0..<room {
                let k = Self.key(kinds[Int(rng.next() % 8) < 5 ? 0 : Int(rng.next() % 4)], &rng)
                guard model[k] == nil else { continue }
                let ref = UInt32(truncatingIfNeeded: rng.next())
                guard case .vacant(let slot) = table.probe(k) else {
                    Issue.record("a new key was found")
                    return
                }
                table.fill(slot, k, ref: ref)
                model[k] = ref
            }
            let before = table.capacity
            let extra = [table.count / 50 + 1, table.count / 3, 4 * table.count][round % 3]
            if round % 2 == 0 { table.reserve(additional: extra) } else { table.makeRoom(additional: extra) }
            #expect(table.capacity > before)
            #expect(DedupTable.maxCount(capacity: table.capacity) >= table.count + extra)
            Self.verify(table, model, absent: [])
        }
        #expect(table.storageIdentity == identity)
        #expect(table.count == model.count)
    }

    @Test("a default table moves to a reservation past 4 MiB and then doubles in place, keeping every key")
    func defaultTableCrossesThreshold() {
        var rng = SplitMix64(seed: 31)
        var table = DedupTable()
        #expect(!table.growsInPlace)
        var model: [Fingerprint: UInt32] = [:]
        model.reserveCapacity(600_000)
        var identity: ObjectIdentifier?
        var inPlaceDoublings = 0
        var capacity = table.capacity
        for i in 0..<560_000 {
            let k = Self.key(i % 50 == 0 ? .nearTop : .random, &rng)
            let ref = UInt32(truncatingIfNeeded: i)
            if table.insert(k, ref: ref) == nil { model[k] = ref }
            guard table.capacity != capacity else { continue }
            capacity = table.capacity
            #expect(table.growsInPlace == (table.memoryBytes >= 4 << 20))
            if let identity {
                #expect(table.storageIdentity == identity)
                inPlaceDoublings += 1
                Self.verify(table, model, absent: [])
            } else if table.growsInPlace {
                identity = table.storageIdentity
            }
        }
        #expect(inPlaceDoublings == 2)  // 6 → 12 → 24 MiB
        Self.verify(table, model, absent: [])
    }

    @Test("growth does not write through to a copy, in either direction, whether or not it happens in place")
    func copyOnWriteAcrossGrowth() {
        var rng = SplitMix64(seed: 41)
        let keys = (0..<6_000).map { Self.key(Kind.allCases[$0 % 4], &rng) }
        for reserved in [true, false] {
            var table = DedupTable(minimumCount: 0, reservingAddressSpace: reserved)
            for (i, k) in keys.prefix(100).enumerated() { table.insert(k, ref: UInt32(i)) }
            let original = Dictionary(uniqueKeysWithValues: keys.prefix(100).enumerated().map { ($1, UInt32($0)) })
            var copy = table
            let smallCapacity = copy.capacity
            // The original grows (first while sharing its storage, then alone).
            for (i, k) in keys[100..<3_000].enumerated() { table.insert(k, ref: UInt32(100 + i)) }
            #expect(copy.capacity == smallCapacity)
            Self.verify(copy, original, absent: Array(keys[100..<3_000]))
            // The copy grows on its own; the original is unaffected.
            for (i, k) in keys[3_000...].enumerated() { copy.insert(k, ref: UInt32(3_000 + i)) }
            let grown = Dictionary(uniqueKeysWithValues: keys.prefix(3_000).enumerated().map { ($1, UInt32($0)) })
            Self.verify(table, grown, absent: Array(keys[3_000...]))
            var copyModel = original
            for (i, k) in keys[3_000...].enumerated() { copyModel[k] = UInt32(3_000 + i) }
            Self.verify(copy, copyModel, absent: Array(keys[100..<3_000]))
            #expect(table.growsInPlace == reserved)
            #expect(copy.growsInPlace == reserved)
            // A copy of a grown table, then growth of the copy via reserve.
            var second = table
            second.reserve(additional: 10_000)
            Self.verify(table, grown, absent: [])
            Self.verify(second, grown, absent: [])
        }
    }

    @Test("a table grown in place exports and rebuilds the same set and survives removeAll")
    func exportAfterGrowth() throws {
        var rng = SplitMix64(seed: 51)
        var table = DedupTable(minimumCount: 0, reservingAddressSpace: true)
        var model: [Fingerprint: UInt32] = [:]
        for i in 0..<20_000 {
            let k = Self.key(Kind.allCases[i % 4], &rng)
            if table.insert(k, ref: UInt32(i % 7)) == nil { model[k] = UInt32(i % 7) }
        }
        var fps = [UInt8](repeating: 0, count: 16 * table.count)
        var refs = [UInt8](repeating: 0, count: 4 * table.count)
        fps.withUnsafeMutableBytes { f in
            refs.withUnsafeMutableBytes { r in
                table.exportOccupied(fingerprints: f.baseAddress!, references: r.baseAddress!)
            }
        }
        let rebuilt = try #require(
            fps.withUnsafeBytes { f in
                refs.withUnsafeBytes { r in DedupTable(capacity: table.capacity, fingerprints: f, references: r) }
            })
        Self.verify(rebuilt, model, absent: [])
        table.removeAll { $0 == 3 }
        Self.verify(table, model.filter { $0.value != 3 }, absent: model.filter { $0.value == 3 }.map(\.key))
    }
}
