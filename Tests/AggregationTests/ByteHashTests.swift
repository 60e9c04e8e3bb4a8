import Testing

@testable import Aggregation

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
                let w0 = word(i, 8)
                let w1 = word(i + 8, 8)
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
                var a = ByteHash.p0
                var b = ByteHash.q0
                absorb(first, &a, &b)
                #expect(
                    first.withUnsafeBytes { ByteHash.hash64($0) } == mum(a ^ ByteHash.p3, b ^ ByteHash.p1),
                    "length \(length)")
                var fa = ByteHash.p0 ^ UInt64(Fingerprint.auditDomain) &* ByteHash.q2
                var fb = ByteHash.q0 ^ UInt64(Fingerprint.auditDomain) &* ByteHash.p2
                absorb(first, &fa, &fb)
                absorb(second, &fa, &fb)
                let lo = mum(fa ^ ByteHash.p3, fb ^ ByteHash.p1)
                let hi = mum(fb ^ ByteHash.q3, fa ^ ByteHash.q1 &+ 0x2d35_8dcc_aa6c_78a5)
                let fp = first.withUnsafeBytes { f in
                    second.withUnsafeBytes { s in Fingerprint.audit(interactionID: f, componentID: s) }
                }
                #expect(
                    fp == Fingerprint(lo: lo == 0 && hi == 0 ? 1 : lo, hi: hi), "lengths \(length), \(second.count)")
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
            let f = withBytes("2b9c1f0e-\(i)-interaction") { a in
                withBytes("aura-comp-\(i % 60)") { b in
                    Fingerprint.audit(interactionID: a, componentID: b)
                }
            }
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
