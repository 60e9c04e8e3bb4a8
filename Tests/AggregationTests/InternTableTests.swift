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
