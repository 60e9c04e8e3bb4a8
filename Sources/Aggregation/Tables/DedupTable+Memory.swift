#if canImport(Glibc)
import Glibc
#endif

extension DedupTable {
    /// Tables at least this large (in bytes, per array) ask the kernel for transparent huge pages.
    static let hugePageThreshold = 4 << 20

    /// A zeroed array of `count` slots for the table. For large tables on Linux the array's
    /// memory is advised `MADV_HUGEPAGE` before it is first touched: each probe lands on a random
    /// slot, and with 4 KiB pages nearly every probe also misses the TLB (a page walk, which is
    /// doubly costly in a virtual machine); 2 MiB pages make those walks rare. Only a hint: where
    /// the kernel declines (THP off, no free huge pages), the table works the same.
    static func zeroedSlots<T: FixedWidthInteger>(_ type: T.Type, count: Int) -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        guard bytes >= hugePageThreshold else { return [T](repeating: 0, count: count) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if os(Linux)
            // Advise the 2 MiB-aligned interior of the (not yet touched) allocation; the pointer
            // is only passed to madvise and does not escape this closure.
            let huge = 2 << 20
            let start = (Int(bitPattern: buffer.baseAddress!) + huge - 1) / huge * huge
            let end = (Int(bitPattern: buffer.baseAddress!) + bytes) / huge * huge
            if end > start {
                _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_HUGEPAGE))
            }
            #endif
            // `buffer` holds `count` elements of a trivial type: zero them (this first touch
            // faults the pages in, as huge pages where the advice took).
            UnsafeMutableRawPointer(buffer.baseAddress!).initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            initialized = count
        }
    }
}
