import Testing

@testable import Aggregation

@Suite("InternTable")
struct InternTableTests {
    @Test("ids are dense, stable and round-trip to strings through growth")
    func roundTrip() {
        var table = InternTable()
        var ids: [String: UInt32] = [:]
        for i in 0..<20_000 {
            let s = i % 7 == 0 ? "" + String(i) : "component-\(i)-é"
            ids[s] = table.intern(s)
        }
        #expect(table.count == ids.count)
        #expect(Set(ids.values) == Set((0..<UInt32(ids.count)).map { $0 }))
        for (s, id) in ids {
            #expect(table.string(id) == s)
            #expect(table.intern(s) == id)
            #expect(table.lookup(s) == id)
        }
        #expect(table.lookup("absent") == nil)
    }

    @Test("the front cache never confuses strings that differ in one byte, at any length up to 40")
    func cacheDistinguishesEveryByte() {
        // For every length 1...40 and every position, strings that differ only there (and all
        // zero bytes vs. one changed byte) must get distinct ids, interned in an interleaved order
        // so cached entries are hit, evicted and refilled; a model dictionary says what each id
        // must be. Covers the packing of 1-3, 4-7, 8-16 and 17-32 bytes, and the uncached > 32.
        var table = InternTable()
        var model: [[UInt8]: UInt32] = [:]
        var strings: [[UInt8]] = []
        for length in 1...40 {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: 0x41 + $0 % 26) }
            strings.append(base)
            strings.append([UInt8](repeating: 0, count: length))
            for position in 0..<length {
                var changed = base
                changed[position] ^= 0x20
                strings.append(changed)
            }
        }
        for round in 0..<3 {
            // Each round visits the strings in another order (a stride coprime to the count).
            let stride = [1, 7, 13][round]
            // Test setup.
            precondition(stride == 1 || strings.count % stride != 0, "a prime stride must not divide the count")
            var index = 0
            for _ in 0..<strings.count {
                let bytes = strings[index]
                let id = bytes.withUnsafeBytes { table.intern($0) }
                if let expected = model[bytes] {
                    #expect(id == expected, "\(bytes) got \(id), expected \(expected)")
                } else {
                    #expect(model.values.contains(id) == false, "\(bytes) got the id of another string")
                    model[bytes] = id
                }
                index = (index + stride) % strings.count
            }
        }
        #expect(table.count == model.count)
        for (bytes, id) in model {
            #expect(table.string(id).utf8.elementsEqual(bytes))
        }
    }

    @Test("empty and binary byte strings are distinct keys")
    func edgeBytes() {
        var table = InternTable()
        let empty = [UInt8]().withUnsafeBytes { table.intern($0) }
        let zero = [UInt8]([0]).withUnsafeBytes { table.intern($0) }
        let zeros = [UInt8]([0, 0]).withUnsafeBytes { table.intern($0) }
        #expect(Set([empty, zero, zeros]).count == 3)
        #expect([UInt8]().withUnsafeBytes { table.lookup($0) } == empty)
        #expect([UInt8]([0, 0]).withUnsafeBytes { table.lookup($0) } == zeros)
    }

    @Test("rebuilding from arena and offsets keeps every id")
    func rebuild() throws {
        var table = InternTable()
        for i in 0..<500 { _ = table.intern("s\(i)") }
        let copy = try #require(InternTable(arena: table.arena, ends: table.ends))
        for i in 0..<500 { #expect(copy.lookup("s\(i)") == table.lookup("s\(i)")) }
        #expect(InternTable(arena: [1, 2], ends: [1, 3]) == nil)
        #expect(InternTable(arena: [1, 2], ends: [2, 1]) == nil)
    }
}
