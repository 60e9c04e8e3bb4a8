/// Fast non-cryptographic hashing of byte strings (wyhash-style multiply-fold mixing).
///
/// `hash64` serves hash tables; `fingerprint` gives 128 bits from two lanes with independent
/// secrets, for exact deduplication (collision odds ~n²/2¹²⁹).
package enum ByteHash {
    @inline(__always)
    static func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    static let p0: UInt64 = 0xa076_1d64_78bd_642f
    static let p1: UInt64 = 0xe703_7ed1_a0b4_28db
    static let p2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    static let p3: UInt64 = 0x5899_65cc_7537_4cc3
    static let q0: UInt64 = 0x9e37_79b9_7f4a_7c15
    static let q1: UInt64 = 0xc2b2_ae3d_27d4_eb4f
    static let q2: UInt64 = 0x1656_67b1_9e37_79f9
    static let q3: UInt64 = 0xd6e8_feb8_6659_fd93

    /// Folds `bytes` into two lanes. Reads stay inside `bytes` (8-byte loads only while 8 remain).
    /// Index arithmetic wraps (`&+`, `&-`) and shifts mask (`&<<`, `&>>`): every index stays
    /// within `0...n` and every shift amount within 0...56 (noted at each), so the results are
    /// those of the checked operators without their overflow and over-shift branches.
    @inline(__always)
    static func absorb(_ bytes: UnsafeRawBufferPointer, _ a: inout UInt64, _ b: inout UInt64) {
        let n = bytes.count
        guard let p = bytes.baseAddress else {
            // Empty: no words, only the length (0).
            a = mum(p1 ^ a, p3)
            b = mum(q1 ^ b, q3)
            return
        }
        var i = 0
        while i &+ 16 <= n {  // i <= n
            let w0 = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w1 = p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            a = mum(w0 ^ p1 ^ a, w1 ^ p2)
            b = mum(w0 ^ q1 ^ b, w1 ^ q2)
            i &+= 16
        }
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        if i &+ 8 <= n {
            w0 = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        // w1 = the last k < 8 bytes, little-endian (byte j at bits 8j). Read with whole loads
        // that stay inside `bytes`: the 8 bytes ending at n shifted past the ones already
        // absorbed, or for short strings two overlapping 4-byte loads.
        let k = n &- i  // 0...7
        if k > 0 {
            if n >= 8 {
                // Shift 8 * (8 - k) is 8...56.
                w1 = p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) &>> UInt64(8 &* (8 &- k))
            } else if n >= 4 {
                // Shift 8 * (n - 4) is 0...24.
                w1 =
                    UInt64(p.loadUnaligned(as: UInt32.self))
                    | UInt64(p.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)) &<< UInt64(8 &* (n &- 4))
            } else {
                for j in 0..<n { w1 |= UInt64(p.load(fromByteOffset: j, as: UInt8.self)) &<< UInt64(8 &* j) }
            }
        }
        a = mum(w0 ^ p1 ^ a, w1 ^ p3 ^ UInt64(n))
        b = mum(w0 ^ q1 ^ b, w1 ^ q3 ^ UInt64(n))
    }

    /// 64-bit hash of `bytes` with `seed`.
    package static func hash64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var a = seed ^ p0
        var b = seed ^ q0
        absorb(bytes, &a, &b)
        return mum(a ^ p3, b ^ p1)
    }

    /// 128-bit fingerprint of (`domain`, `first`, `second`): the two byte strings are length
    /// delimited, so ("ab","c") and ("a","bc") differ. Never returns the all-zero value
    /// (it marks empty slots in `DedupTable`).
    package static func fingerprint(domain: UInt8, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer)
        -> Fingerprint
    {
        var a = p0 ^ UInt64(domain) &* q2
        var b = q0 ^ UInt64(domain) &* p2
        absorb(first, &a, &b)
        absorb(second, &a, &b)
        let lo = mum(a ^ p3, b ^ p1)
        let hi = mum(b ^ q3, a ^ q1 &+ 0x2d35_8dcc_aa6c_78a5)
        return Fingerprint(lo: lo == 0 && hi == 0 ? 1 : lo, hi: hi)
    }
}
