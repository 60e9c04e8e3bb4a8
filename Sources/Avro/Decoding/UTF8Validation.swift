/// Strict UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    /// Returns the index of the first byte of the first ill-formed sequence in
    /// `start[0..<count]`, or nil when the bytes are well-formed UTF-8.
    ///
    /// `start` must be valid for `count` bytes (the caller has bounds-checked the range).
    @inline(__always)
    static func firstInvalid(_ start: UnsafeRawPointer, count: Int) -> Int? {
        // ASCII check without data-dependent branches: OR every byte together (whole words, the
        // tail through one overlapping load), then test the high bits once.
        if count >= 8 {
            var accumulated: UInt64 = 0
            var index = 0
            while index + 8 <= count {
                accumulated |= start.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index += 8
            }
            accumulated |= start.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            if accumulated & 0x8080_8080_8080_8080 == 0 { return nil }
        } else if count >= 4 {
            let accumulated =
                start.loadUnaligned(as: UInt32.self)
                | start.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            if accumulated & 0x8080_8080 == 0 { return nil }
        } else if count >= 1 {
            let accumulated =
                start.load(as: UInt8.self) | start.load(fromByteOffset: count - 1, as: UInt8.self)
                | start.load(fromByteOffset: count >> 1, as: UInt8.self)
            if accumulated & 0x80 == 0 { return nil }
        } else {
            return nil
        }
        return validateTail(start, count: count, from: 0)
    }

    /// True when every byte of `start[0..<count]` is below 0x80 (so any string inside is valid
    /// UTF-8 and every varint inside is one byte). Meant for whole blocks: 64 bytes per step into
    /// four independent 16-byte vector accumulators (SSE2 ORs; as 64-bit words the loop stayed
    /// scalar, ~89 instructions for a 260-byte record), then 8 bytes at a time, then bytes.
    ///
    /// `start` must be valid for `count` bytes.
    static func isASCII(_ start: UnsafeRawPointer, count: Int) -> Bool {
        var a = SIMD16<UInt8>()
        var b = SIMD16<UInt8>()
        var c = SIMD16<UInt8>()
        var d = SIMD16<UInt8>()
        var index = 0
        // Every load below reads `index ..< index + 64` (or + 8, + 1) with that end <= count.
        // `index <= count` throughout, so `&+` cannot overflow (count is a buffer size).
        while index &+ 64 <= count {
            a |= start.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
            b |= start.loadUnaligned(fromByteOffset: index &+ 16, as: SIMD16<UInt8>.self)
            c |= start.loadUnaligned(fromByteOffset: index &+ 32, as: SIMD16<UInt8>.self)
            d |= start.loadUnaligned(fromByteOffset: index &+ 48, as: SIMD16<UInt8>.self)
            index &+= 64
        }
        let vector = (a | b) | (c | d)
        var word: UInt64 = 0
        while index &+ 8 <= count {
            word |= start.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        var tail: UInt8 = 0
        while index < count {
            tail |= start.load(fromByteOffset: index, as: UInt8.self)
            index += 1
        }
        return !any(vector .>= 0x80) && word & 0x8080_8080_8080_8080 == 0 && tail & 0x80 == 0
    }

    /// The general path from the first non-ASCII byte.
    private static func validateTail(_ start: UnsafeRawPointer, count: Int, from: Int) -> Int? {
        var index = from
        @inline(__always) func byte(_ i: Int) -> UInt8 { start.load(fromByteOffset: i, as: UInt8.self) }
        while index < count {
            let lead = byte(index)
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return index
            }
            if index + length > count { return index }
            let second = byte(index + 1)
            if second < low || second > high { return index }
            if length >= 3 {
                let third = byte(index + 2)
                if third & 0xC0 != 0x80 { return index }
            }
            if length == 4 {
                let fourth = byte(index + 3)
                if fourth & 0xC0 != 0x80 { return index }
            }
            index += length
        }
        return nil
    }
}
