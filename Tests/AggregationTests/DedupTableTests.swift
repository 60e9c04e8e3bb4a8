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
        guard case .vacant(let slot) = table.probe(keys[250]) else {
            Issue.record("key present")
            return
        }
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
            refs.withUnsafeMutableBytes { r in
                table.exportOccupied(fingerprints: f.baseAddress!, references: r.baseAddress!)
            }
        }
        func rebuild(_ capacity: Int, _ f: [UInt8], _ r: [UInt8]) -> DedupTable? {
            f.withUnsafeBytes { f in
                r.withUnsafeBytes { r in DedupTable(capacity: capacity, fingerprints: f, references: r) }
            }
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

    @Test(
        "a rebuild merging runs of added keys (in home order or not) holds every key once; a key repeated or zero anywhere is refused"
    )
    func mergingRebuild() throws {
        var rng = SplitMix64(seed: 8)
        var base = DedupTable()
        for i in 0..<20_000 { base.insert(fp(&rng), ref: UInt32(i)) }
        var fps = [UInt8](repeating: 0, count: 16 * base.count)
        var refs = [UInt8](repeating: 0, count: 4 * base.count)
        fps.withUnsafeMutableBytes { f in
            refs.withUnsafeMutableBytes { r in
                base.exportOccupied(fingerprints: f.baseAddress!, references: r.baseAddress!)
            }
        }
        // Three runs of added keys as delta records hold them: two in home order (`homeOrder`),
        // one in arrival order.
        var added: [[(Fingerprint, UInt32)]] = []
        for r in 0..<3 {
            added.append((0..<(4_000 + 1_000 * r)).map { (fp(&rng), UInt32(100_000 * (r + 1) + $0)) })
        }
        for r in 0..<2 {
            let order = DedupTable.homeOrder(added[r].count) { added[r][$0].0.hi }
            #expect(order.sorted() == (0..<UInt32(added[r].count)).map { $0 })
            let tops = order.map { added[r][Int($0)].0.hi >> 54 }
            #expect(tops == tops.sorted())
            added[r] = order.map { added[r][Int($0)] }
        }
        func rebuild(_ runs: [[(Fingerprint, UInt32)]]) -> DedupTable? {
            // Each run's fingerprints and references in buffers of their own, freed below.
            let views = runs.map { run in
                let f = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * run.count, alignment: 8)
                let r = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 * run.count, alignment: 4)
                for (i, (k, ref)) in run.enumerated() {
                    f.storeBytes(of: k.lo.littleEndian, toByteOffset: 16 * i, as: UInt64.self)
                    f.storeBytes(of: k.hi.littleEndian, toByteOffset: 16 * i + 8, as: UInt64.self)
                    r.storeBytes(of: ref.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
                return (fingerprints: UnsafeRawBufferPointer(f), references: UnsafeRawBufferPointer(r))
            }
            defer {
                for v in views {
                    v.fingerprints.deallocate()
                    v.references.deallocate()
                }
            }
            let capacity = CheckpointCodec.reservedCapacity(
                base.capacity, count: base.count, adding: runs.reduce(0) { $0 + $1.count })
            return fps.withUnsafeBytes { f in
                refs.withUnsafeBytes { r in
                    DedupTable(capacity: capacity, fingerprints: f, references: r, merging: views)
                }
            }
        }
        let merged = try #require(rebuild(added))
        #expect(merged.count == base.count + added.reduce(0) { $0 + $1.count })
        base.forEach { k, ref in #expect(merged.lookup(k) == ref) }
        for run in added { for (k, ref) in run { #expect(merged.lookup(k) == ref) } }
        // Refused: a base key added again, a key added twice, a zero key.
        var again = added
        again[2][1_500].0 = try #require(added[0].last?.0)
        #expect(rebuild(again) == nil)
        var known = added
        base.forEach { k, _ in known[1][0].0 = k }
        #expect(rebuild(known) == nil)
        var zero = added
        zero[0][10].0 = Fingerprint(lo: 0, hi: 0)
        #expect(rebuild(zero) == nil)
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
