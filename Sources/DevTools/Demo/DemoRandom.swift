import StreamDaemon

/// The demo generator's own pseudo-random numbers: xoshiro256** seeded through splitmix64.
///
/// Our own so that a seed gives the same month on every platform and Swift version (the
/// standard library's generators promise no such thing). Not cryptographic.
struct DemoRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from `seed` through splitmix64 (never all zero).
    init(seed: UInt64) {
        var x = seed
        s0 = Self.splitmix64(&x)
        s1 = Self.splitmix64(&x)
        s2 = Self.splitmix64(&x)
        s3 = Self.splitmix64(&x)
    }

    /// One step of splitmix64: advances `state` and returns the mixed output.
    static func splitmix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix64(state)
    }

    /// splitmix64's finalizer: a bijection of UInt64 (distinct inputs give distinct outputs),
    /// which the generator uses to derive unique identifiers from counters.
    static func mix64(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (multiply-shift; the bias is below 2^-32 for our bounds).
    /// `bound` must be positive.
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }
}
