#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The slot memory of a `DedupTable`: `buckets` buckets of one 64-byte cache line each, every
/// bucket holding 3 keys and their references (see `DedupTable` for the layout), zeroed
/// (all slots empty) when allocated.
///
/// Aligned to 64 bytes, so a probe touches one cache line per bucket. Tables of 4 MiB or more
/// are aligned to 2 MiB and advised `MADV_HUGEPAGE` before the first touch: each probe lands on
/// a random bucket, and with 4 KiB pages nearly every probe would also miss the TLB (a page
/// walk, doubly costly in a virtual machine). Only a hint: where the kernel declines, the table
/// works the same.
///
/// `@unchecked Sendable` invariant: the memory is written only through a `DedupTable` that holds
/// the only reference (`isKnownUniquelyReferenced` before every mutation, copying otherwise),
/// so a storage shared between values or threads is only ever read.
final class DedupStorage: @unchecked Sendable {
    /// `8 * buckets` words.
    let words: UnsafeMutablePointer<UInt64>
    let buckets: Int

    static let hugePageThreshold = 4 << 20
    static let hugePage = 2 << 20

    /// A zeroed storage of `buckets` buckets.
    init(buckets: Int) {
        precondition(buckets > 0, "a dedup table has at least one bucket")  // callers size it
        self.buckets = buckets
        let bytes = 64 * buckets
        let huge = bytes >= Self.hugePageThreshold
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, huge ? Self.hugePage : 64, bytes) == 0, let memory else {
            fatalError("out of memory allocating a dedup table of \(bytes) bytes")
        }
        #if os(Linux)
        // The region was just allocated, 2 MiB-aligned, and not yet touched; madvise only reads
        // the address range and the pointer does not escape.
        if huge { _ = madvise(memory, bytes / Self.hugePage * Self.hugePage, Int32(MADV_HUGEPAGE)) }
        #endif
        // `bytes` were allocated above; zero = every slot empty. This first touch faults the
        // pages in (as huge pages where the advice took).
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        words = memory.bindMemory(to: UInt64.self, capacity: 8 * buckets)
    }

    /// A copy with the same buckets (for copy-on-write).
    func copy() -> DedupStorage {
        let copy = DedupStorage(buckets: buckets)
        // Both regions hold `8 * buckets` words.
        copy.words.update(from: words, count: 8 * buckets)
        return copy
    }

    deinit {
        free(words)
    }
}
