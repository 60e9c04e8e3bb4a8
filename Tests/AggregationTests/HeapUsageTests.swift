import Testing

@testable import Aggregation

@Suite("Heap usage and trim")
struct HeapUsageTests {
    #if canImport(Glibc)
        @Test("on glibc the allocator's own account is read, so the malloc shim is not the no-op fallback")
        func readsTheAllocatorsAccountOnGlibc() throws {
            // `HeapUsage`, `HeapTrim.returnFreedMemory` and `configureForDaemon` share one
            // `#if defined(__GLIBC__)` in CAuraPrefetch.h: nil here means all of them are no-ops.
            let usage = try #require(HeapUsage.current())
            #expect(usage.inUse > 0)
            #expect(usage.heldFree >= 0)
        }

        @Test("a live allocation is counted as in use until it is freed")
        func countsALiveAllocation() throws {
            let before = try #require(HeapUsage.current())
            // 64 MiB in one block: mmapped, so counted at once and given back at once when freed,
            // whatever the other tests running beside this one allocate in the arenas meanwhile.
            let count = 64 << 20
            let block = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
            let during = try #require(HeapUsage.current())
            block.deallocate()
            HeapTrim.returnFreedMemory()
            let after = try #require(HeapUsage.current())
            #expect(during.inUse - before.inUse > count / 2, "\(before) → \(during)")
            #expect(during.inUse - after.inUse > count / 2, "\(during) → \(after)")
        }
    #endif
}
