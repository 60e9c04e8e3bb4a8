import Testing
@testable import Aggregation

@Suite("DedupTable")
struct DedupTableTests {
    func fp(_ rng: inout SplitMix64) -> Fingerprint {
        Fingerprint(lo: rng.next() | 1, hi: rng.next())
    }

    @Test("insert reports the stored reference of a present key and leaves it unchanged")
    func insertLookup() {
        var table = DedupTable()
        var rng = SplitMix64(seed: 1)
        var keys: [Fingerprint] = []
        for i in 0..<50_000 {
            let k = fp(&rng)
            keys.append(k)
            #expect(table.insert(k, ref: UInt32(i)) == nil)
        }
        #expect(table.count == 50_000)
        for (i, k) in keys.enumerated() {
            #expect(table.lookup(k) == UInt32(i))
            #expect(table.insert(k, ref: 999_999) == UInt32(i))
        }
        #expect(table.count == 50_000)
        #expect(table.lookup(Fingerprint(lo: 12345, hi: 678)) == nil)
    }

    @Test("1M keys at the maximum load factor use at most 24 bytes per key")
    func memoryPerKey() {
        var table = DedupTable(minimumCount: 1_000_000)
        let capacity = table.capacity
        let fill = DedupTable.maxCount(capacity: capacity)
        #expect(fill >= 1_000_000)
        var rng = SplitMix64(seed: 2)
        for i in 0..<fill { table.insert(fp(&rng), ref: UInt32(i & 0xFFFF)) }
        #expect(table.capacity == capacity)  // filled to the limit without growing
        #expect(table.count == fill)
        let perKey = Double(table.memoryBytes) / Double(table.count)
        #expect(perKey <= 24, "\(perKey) bytes per key")
        // One more key grows the table.
        table.insert(fp(&rng), ref: 0)
        #expect(table.capacity > capacity)
    }

    @Test("removeAll(where:) drops exactly the matching references")
    func removal() {
        var table = DedupTable()
        var rng = SplitMix64(seed: 3)
        var keys: [(Fingerprint, UInt32)] = []
        for i in 0..<10_000 {
            let k = fp(&rng)
            keys.append((k, UInt32(i % 10)))
            table.insert(k, ref: UInt32(i % 10))
        }
        table.removeAll { $0 == 3 || $0 == 7 }
        #expect(table.count == 8_000)
        for (k, ref) in keys {
            #expect(table.lookup(k) == (ref == 3 || ref == 7 ? nil : ref))
        }
    }

    @Test("version-1 raw slot arrays rebuild the same set; inconsistent shapes and repeated keys are refused")
    func rawRebuild() throws {
        var table = DedupTable()
        var rng = SplitMix64(seed: 4)
        for i in 0..<1000 { table.insert(fp(&rng), ref: UInt32(i)) }
        let (keys, refs) = table.versionOneArrays()
        let copy = try #require(DedupTable(rawKeys: keys, rawRefs: refs, count: table.count))
        #expect(copy.count == 1000)
        var pairs: [Fingerprint: UInt32] = [:]
        table.forEach { pairs[$0] = $1 }
        #expect(pairs.count == 1000)
        for (k, ref) in pairs { #expect(copy.lookup(k) == ref) }
        #expect(DedupTable(rawKeys: keys, rawRefs: refs, count: table.count + 1) == nil)
        #expect(DedupTable(rawKeys: Array(keys.dropLast(2)), rawRefs: refs, count: table.count) == nil)
        var repeated = keys
        repeated[2] = keys[0]
        repeated[3] = keys[1]
        #expect(DedupTable(rawKeys: repeated, rawRefs: refs, count: table.count) == nil)
    }

    @Test("a copied table is independent of the original (copy-on-write)")
    func copyOnWrite() {
        var table = DedupTable()
        var rng = SplitMix64(seed: 9)
        let keys = (0..<300).map { _ in fp(&rng) }
        for (i, k) in keys.prefix(200).enumerated() { table.insert(k, ref: UInt32(i)) }
        var copy = table
        for (i, k) in keys.suffix(100).enumerated() { copy.insert(k, ref: UInt32(1000 + i)) }
        #expect(table.count == 200)
        #expect(copy.count == 300)
        for k in keys.suffix(100) { #expect(table.lookup(k) == nil) }
        guard case .vacant(let slot) = table.probe(keys[250]) else { Issue.record("key present"); return }
        var other = table
        other.fill(slot, keys[250], ref: 7)
        #expect(other.lookup(keys[250]) == 7)
        #expect(table.lookup(keys[250]) == nil)
        #expect(copy.lookup(keys[250]) == 1050)
    }

    @Test("occupied entries export compactly and rebuild the same set; zero, repeated or overfull keys are refused")
    func compactRebuild() throws {
        var table = DedupTable()
        var rng = SplitMix64(seed: 6)
        for i in 0..<5000 { table.insert(fp(&rng), ref: UInt32(i)) }
        var fps = [UInt8](repeating: 0, count: 16 * table.count)
        var refs = [UInt8](repeating: 0, count: 4 * table.count)
        fps.withUnsafeMutableBytes { f in
            refs.withUnsafeMutableBytes { r in table.exportOccupied(fingerprints: f.baseAddress!, references: r.baseAddress!) }
        }
        func rebuild(_ capacity: Int, _ f: [UInt8], _ r: [UInt8]) -> DedupTable? {
            f.withUnsafeBytes { f in r.withUnsafeBytes { r in DedupTable(capacity: capacity, fingerprints: f, references: r) } }
        }
        let copy = try #require(rebuild(table.capacity, fps, refs))
        #expect(copy.count == table.count)
        #expect(copy.capacity == table.capacity)
        var pairs: [Fingerprint: UInt32] = [:]
        table.forEach { pairs[$0] = $1 }
        #expect(pairs.count == 5000)
        for (k, ref) in pairs { #expect(copy.lookup(k) == ref) }
        let wider = try #require(rebuild(table.capacity * 2, fps, refs))
        for (k, ref) in pairs { #expect(wider.lookup(k) == ref) }
        // Refused: a repeated key, a zero key, more keys than the capacity holds, mismatched shapes.
        var repeated = fps
        for b in 0..<16 { repeated[16 + b] = fps[b] }
        #expect(rebuild(table.capacity, repeated, refs) == nil)
        var zero = fps
        for b in 0..<16 { zero[16 * 7 + b] = 0 }
        #expect(rebuild(table.capacity, zero, refs) == nil)
        #expect(DedupTable.maxCount(capacity: 4096) < 5000)
        #expect(rebuild(4096, fps, refs) == nil)
        #expect(rebuild(table.capacity, fps, Array(refs.dropLast(4))) == nil)
    }

    @Test("makeRoom grows by doubling until the keys fit, and prefetch leaves the table unchanged")
    func makeRoom() {
        var table = DedupTable()
        var rng = SplitMix64(seed: 7)
        for i in 0..<100 { table.insert(fp(&rng), ref: UInt32(i)) }
        let before = table.capacity
        let room = DedupTable.maxCount(capacity: before) - table.count
        table.makeRoom(additional: room)
        #expect(table.capacity == before)  // already fits
        table.makeRoom(additional: room + 1)
        #expect(table.capacity == 2 * before)
        table.makeRoom(additional: 10 * before)
        #expect(table.capacity >= before * 8)
        #expect(table.capacity.nonzeroBitCount == before.nonzeroBitCount)  // doublings of `before`
        #expect(DedupTable.maxCount(capacity: table.capacity) >= 100 + 10 * before)
        let key = fp(&rng)
        table.prefetch(key)
        #expect(table.lookup(key) == nil)
        #expect(table.count == 100)  // growing kept every key
        var rng2 = SplitMix64(seed: 7)
        for i in 0..<100 { #expect(table.lookup(fp(&rng2)) == UInt32(i)) }
    }
}

@Suite("ByteHash")
struct ByteHashTests {
    @Test("hashes and fingerprints equal the byte-at-a-time definition at every length (checkpoints keep fingerprints)")
    func matchesReferenceDefinition() {
        // Checkpoints store fingerprints, so the function must never change: this compares
        // `hash64` and `fingerprint` with the definition written out byte by byte, for every
        // length 0...80 and several contents.
        func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let r = a.multipliedFullWidth(by: b)
            return r.high ^ r.low
        }
        func absorb(_ bytes: [UInt8], _ a: inout UInt64, _ b: inout UInt64) {
            func word(_ at: Int, _ count: Int) -> UInt64 {
                (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << UInt64(8 * $1) }
            }
            var i = 0
            while i + 16 <= bytes.count {
                let w0 = word(i, 8), w1 = word(i + 8, 8)
                a = mum(w0 ^ ByteHash.p1 ^ a, w1 ^ ByteHash.p2)
                b = mum(w0 ^ ByteHash.q1 ^ b, w1 ^ ByteHash.q2)
                i += 16
            }
            var w0: UInt64 = 0
            if i + 8 <= bytes.count {
                w0 = word(i, 8)
                i += 8
            }
            let w1 = word(i, bytes.count - i)
            a = mum(w0 ^ ByteHash.p1 ^ a, w1 ^ ByteHash.p3 ^ UInt64(bytes.count))
            b = mum(w0 ^ ByteHash.q1 ^ b, w1 ^ ByteHash.q3 ^ UInt64(bytes.count))
        }
        var rng = SplitMix64(seed: 7)
        for length in 0...80 {
            for round in 0..<4 {
                let first = (0..<length).map { _ in round == 0 ? UInt8(0x61) : UInt8.random(in: 0...255, using: &rng) }
                let second = (0..<(80 - length) / 3).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var a = ByteHash.p0, b = ByteHash.q0
                absorb(first, &a, &b)
                #expect(first.withUnsafeBytes { ByteHash.hash64($0) } == mum(a ^ ByteHash.p3, b ^ ByteHash.p1), "length \(length)")
                var fa = ByteHash.p0 ^ UInt64(Fingerprint.auditDomain) &* ByteHash.q2
                var fb = ByteHash.q0 ^ UInt64(Fingerprint.auditDomain) &* ByteHash.p2
                absorb(first, &fa, &fb)
                absorb(second, &fa, &fb)
                let lo = mum(fa ^ ByteHash.p3, fb ^ ByteHash.p1)
                let hi = mum(fb ^ ByteHash.q3, fa ^ ByteHash.q1 &+ 0x2d35_8dcc_aa6c_78a5)
                let fp = first.withUnsafeBytes { f in second.withUnsafeBytes { s in Fingerprint.audit(interactionID: f, componentID: s) } }
                #expect(fp == Fingerprint(lo: lo == 0 && hi == 0 ? 1 : lo, hi: hi), "lengths \(length), \(second.count)")
            }
        }
    }

    @Test("fingerprints delimit the two parts and separate the domains")
    func delimiting() {
        func audit(_ a: String, _ b: String) -> Fingerprint {
            withBytes(a) { a in withBytes(b) { b in Fingerprint.audit(interactionID: a, componentID: b) } }
        }
        #expect(audit("ab", "c") != audit("a", "bc"))
        #expect(audit("abc", "") != audit("", "abc"))
        #expect(audit("i-1", "comp") == audit("i-1", "comp"))
        let gateway = withBytes("i-1") { Fingerprint.gateway(messageID: $0) }
        #expect(gateway != audit("i-1", ""))
    }

    @Test("no collisions among 1M similar keys, in either 64-bit half")
    func noCollisions() {
        var lows = Set<UInt64>()
        var highs = Set<UInt64>()
        for i in 0..<1_000_000 {
            let f = withBytes("2b9c1f0e-\(i)-interaction") { a in withBytes("aura-comp-\(i % 60)") { b in
                Fingerprint.audit(interactionID: a, componentID: b)
            } }
            lows.insert(f.lo)
            highs.insert(f.hi)
        }
        #expect(lows.count == 1_000_000)
        #expect(highs.count == 1_000_000)
    }

    @Test("every input byte and length changes the 64-bit hash")
    func avalancheSmoke() {
        let base = [UInt8](repeating: 0x61, count: 40)
        let h0 = base.withUnsafeBytes { ByteHash.hash64($0) }
        for i in 0..<40 {
            var changed = base
            changed[i] ^= 1
            #expect(changed.withUnsafeBytes { ByteHash.hash64($0) } != h0)
        }
        for n in 0..<40 {
            #expect(Array(base.prefix(n)).withUnsafeBytes { ByteHash.hash64($0) } != h0)
        }
    }
}

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
    static func verify(_ table: DedupTable, _ model: [Fingerprint: UInt32], absent: [Fingerprint],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(table.count == model.count, sourceLocation: sourceLocation)
        var missing = 0
        for (k, ref) in model where table.lookup(k) != ref { missing += 1 }
        #expect(missing == 0, "\(missing) keys lost or with a wrong reference at capacity \(table.capacity)", sourceLocation: sourceLocation)
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

    @Test("in-place doublings keep every key with its reference, with adversarial clusters at the start, across the end and on one home",
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
                guard case .vacant(let slot) = table.probe(k) else { Issue.record("a new key was found"); return }
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
            refs.withUnsafeMutableBytes { r in table.exportOccupied(fingerprints: f.baseAddress!, references: r.baseAddress!) }
        }
        let rebuilt = try #require(fps.withUnsafeBytes { f in
            refs.withUnsafeBytes { r in DedupTable(capacity: table.capacity, fingerprints: f, references: r) }
        })
        Self.verify(rebuilt, model, absent: [])
        table.removeAll { $0 == 3 }
        Self.verify(table, model.filter { $0.value != 3 }, absent: model.filter { $0.value == 3 }.map(\.key))
    }
}
