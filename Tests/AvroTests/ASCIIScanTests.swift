import Testing

@testable import Avro

/// `UTF8Validation.isASCII` decides whether a block may take the ASCII fast path, which skips
/// UTF-8 validation: a byte ≥ 0x80 it misses would let invalid UTF-8 through.
@Suite("ASCII scan of blocks")
struct ASCIIScanTests {
    @Test("one byte ≥ 0x80 at any position of any length 0–300, at any alignment, is found; all-ASCII passes")
    func everyPosition() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt8 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        var storage = [UInt8](repeating: 0, count: 320)
        var misses: [String] = []
        storage.withUnsafeMutableBytes { raw in
            // The pointer stays in this closure; every scan reads inside the 320 bytes.
            for length in 0...300 {
                for shift in [0, 1, 7, 13] {
                    let start = raw.baseAddress! + shift
                    for i in 0..<length { start.storeBytes(of: next() & 0x7F, toByteOffset: i, as: UInt8.self) }
                    // A high byte just past the end must not count.
                    if shift + length < raw.count { start.storeBytes(of: 0xFF, toByteOffset: length, as: UInt8.self) }
                    if !UTF8Validation.isASCII(UnsafeRawPointer(start), count: length) {
                        misses.append("all-ASCII \(length)+\(shift) rejected")
                    }
                    for position in 0..<length {
                        let saved = start.load(fromByteOffset: position, as: UInt8.self)
                        start.storeBytes(of: 0x80 | next(), toByteOffset: position, as: UInt8.self)
                        if UTF8Validation.isASCII(UnsafeRawPointer(start), count: length) {
                            misses.append("high byte at \(position) of \(length)+\(shift) missed")
                        }
                        start.storeBytes(of: saved, toByteOffset: position, as: UInt8.self)
                    }
                }
            }
        }
        #expect(misses.isEmpty, "\(misses.count) wrong answers, first: \(misses.prefix(3))")
    }
}
