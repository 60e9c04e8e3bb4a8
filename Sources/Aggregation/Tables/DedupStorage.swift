#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The slot memory of a `DedupTable`: `buckets` buckets of one 64-byte cache line each, every
/// bucket holding 3 keys and their references (see `DedupTable` for the layout), zeroed
/// (all slots empty) when allocated.
///
/// Two kinds, by size:
/// - Below `reserveThreshold` (4 MiB) a heap block (`posix_memalign`, 64-byte aligned, zeroed
///   with `memset`: the allocator may hand back reused memory). Growing one means a new
///   storage and a rehash (`DedupTable.resize`), cheap at this size.
/// - From 4 MiB a *reservation*: `mmap` of `PROT_NONE` address space, 2 MiB-aligned, much larger
///   than the table (`reservationBytes`), of which only a prefix is read-write. Fresh anonymous
///   pages read as zero, so nothing is written here: each page is faulted in when the table
///   first touches it. `grow(toBuckets:)` makes a longer prefix read-write in place (one
///   `mprotect`), so a doubling rehashes within the same memory (`DedupTable.rehashInPlace`)
///   instead of allocating, zeroing and first-touching a fresh table twice the size while the
///   old one is still alive. In a virtual machine that first touch is the dominant cost
///   (host-side faults, ~0.6–0.9 GB/s measured), and a doubling chain from 6 MiB to 48 MiB used
///   to touch 90 MiB of fresh memory plus the `memset`; it now touches the final 48 MiB once.
///
/// Huge pages: a reservation is advised `MADV_HUGEPAGE` as soon as its table is 4 MiB or more,
/// before the pages are touched: each probe lands on a random bucket, and with 4 KiB pages
/// nearly every probe would also miss the TLB (a page walk, doubly costly in a virtual machine).
/// The advice covers the whole reservation, so the prefix made read-write later by `grow` gets
/// huge pages too. Only a hint: where the kernel declines, the table works the same.
///
/// `@unchecked Sendable` invariant: the memory, `buckets` and the read-write prefix are changed
/// only through a `DedupTable` that holds the only reference (`isKnownUniquelyReferenced` before
/// every mutation and before `grow`, copying or reallocating otherwise), so a storage shared
/// between values or threads is only ever read.
final class DedupStorage: @unchecked Sendable {
    /// `8 * buckets` words (of a reservation: the start of it; it does not move when it grows).
    let words: UnsafeMutablePointer<UInt64>
    /// Number of 64-byte buckets in use. Changed only by `grow`, under the unique ownership
    /// stated above, so the dynamic exclusivity check on every read (the probe hot path) is
    /// disabled.
    @exclusivity(unchecked) private(set) var buckets: Int
    /// Bytes of address space mapped at `words` for a reservation; 0 for a heap block.
    private let reservedBytes: Int
    /// Bytes at `words` that are read-write (a multiple of 2 MiB); 0 for a heap block.
    private var writableBytes: Int
    /// Whether the reservation was advised `MADV_HUGEPAGE`.
    private var advisedHuge = false

    /// Whether this is a reservation (grows in place) rather than a heap block.
    var isReservation: Bool { reservedBytes > 0 }

    static let hugePageThreshold = 4 << 20
    static let hugePage = 2 << 20
    /// Tables of at least this many bytes live in a reservation (see the type's comment).
    static let reserveThreshold = hugePageThreshold

    /// Address space reserved for a growable table, unless it needs more: the physical memory
    /// (rounded up to 2 MiB), at most 64 GiB. A table cannot usefully outgrow the machine's
    /// memory, and `PROT_NONE | MAP_NORESERVE` address space costs neither memory nor commit
    /// charge: the daemon keeps one table per Kafka partition (64+), plus short-lived copies and
    /// rebuilds, so a few hundred reservations of 24 GiB use a few TiB of the 128 TiB user
    /// address space. Under a finite `RLIMIT_AS` (address space is then the budget) no headroom
    /// is reserved and growth reallocates as a heap table does. When a reservation is outgrown,
    /// or `mmap`/`mprotect` refuse, the table falls back to a new storage and a rehash.
    static let reservationBytes: Int = {
        #if os(Linux)
            var limit = rlimit()
            if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
                return 0
            }  // finite (RLIM_INFINITY is all ones)
        #endif
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        let physical = pages > 0 && pageSize > 0 ? pages * pageSize : 16 << 30
        return roundUpToHugePage(min(physical, 64 << 30))
    }()

    static func roundUpToHugePage(_ bytes: Int) -> Int {
        (bytes + hugePage - 1) / hugePage * hugePage
    }

    /// A zeroed storage of `buckets` buckets, a reservation from 4 MiB or when `reserve` is set
    /// (tests use that to grow small tables in place).
    init(buckets: Int, reserve: Bool = false) {
        precondition(buckets > 0, "a dedup table has at least one bucket")  // callers size it
        self.buckets = buckets
        let bytes = 64 * buckets
        if reserve || bytes >= Self.reserveThreshold, let region = Self.reserve(bytes: bytes) {
            words = region.base.bindMemory(to: UInt64.self, capacity: region.reserved / 8)
            reservedBytes = region.reserved
            writableBytes = region.writable
            adviseHugePagesIfLarge()
            return
        }
        reservedBytes = 0
        writableBytes = 0
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, 64, bytes) == 0, let memory else {
            fatalError("out of memory allocating a dedup table of \(bytes) bytes")
        }
        // `bytes` were allocated above; zero = every slot empty.
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        words = memory.bindMemory(to: UInt64.self, capacity: 8 * buckets)
    }

    /// Maps a 2 MiB-aligned `PROT_NONE` region of at least `bytes` (`reservationBytes` when
    /// larger) and makes its first `bytes` (rounded up to 2 MiB) read-write. `nil` when the
    /// kernel refuses even `bytes`.
    private static func reserve(bytes: Int) -> (base: UnsafeMutableRawPointer, reserved: Int, writable: Int)? {
        let writable = roundUpToHugePage(bytes)
        var sizes = [max(writable, reservationBytes)]
        if sizes[0] > writable { sizes.append(writable) }  // retry without headroom
        for size in sizes {
            #if os(Linux)
                let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
            #else
                let flags = MAP_PRIVATE | MAP_ANON
            #endif
            // One extra huge page so that a 2 MiB-aligned start lies inside the mapping.
            let mapped = size + hugePage
            guard let raw = mmap(nil, mapped, PROT_NONE, flags, -1, 0),
                raw != UnsafeMutableRawPointer(bitPattern: -1)
            else { continue }
            // Trim to the aligned `size` bytes: both unmapped pieces lie inside the mapping just
            // made (head < 2 MiB, head + size + tail == mapped), which nothing else references.
            let address = Int(bitPattern: raw)
            let head = (hugePage - address % hugePage) % hugePage
            let tail = mapped - head - size
            if head > 0 { _ = munmap(raw, head) }
            let base = raw + head
            if tail > 0 { _ = munmap(base + size, tail) }
            guard mprotect(base, writable, PROT_READ | PROT_WRITE) == 0 else {
                _ = munmap(base, size)
                continue
            }
            return (base, size, writable)
        }
        return nil
    }

    /// Advises huge pages for the whole reservation once its table reaches 4 MiB.
    private func adviseHugePagesIfLarge() {
        #if os(Linux)
            guard !advisedHuge, reservedBytes > 0, 64 * buckets >= Self.hugePageThreshold else { return }
            advisedHuge = true
            // The range is the reservation mapped in `init` (2 MiB-aligned, a multiple of 2 MiB);
            // madvise only changes its paging policy and the pointer does not escape.
            _ = madvise(UnsafeMutableRawPointer(words), reservedBytes, Int32(MADV_HUGEPAGE))
        #endif
    }

    /// Extends the table to `newBuckets` buckets in place: the new buckets read as zero
    /// (empty), the old ones are unchanged. Returns `false` (and changes nothing) for a heap
    /// block, when the reservation is too small, or when the kernel refuses; the caller then
    /// allocates a new storage.
    /// - Precondition: the caller holds the only reference (see the `Sendable` invariant).
    func grow(toBuckets newBuckets: Int) -> Bool {
        precondition(newBuckets >= buckets, "a dedup storage only grows")  // resize only grows
        let bytes = 64 * newBuckets
        guard reservedBytes > 0, bytes <= reservedBytes else { return false }
        let writable = min(Self.roundUpToHugePage(bytes), reservedBytes)
        if writable > writableBytes {
            // [writableBytes, writable) lies inside the reservation (writable ≤ reservedBytes)
            // and was never writable, so it holds only untouched (zero) pages.
            guard
                mprotect(
                    UnsafeMutableRawPointer(words) + writableBytes, writable - writableBytes,
                    PROT_READ | PROT_WRITE) == 0
            else { return false }
            writableBytes = writable
        }
        buckets = newBuckets
        adviseHugePagesIfLarge()
        return true
    }

    /// A copy with the same buckets (for copy-on-write).
    func copy() -> DedupStorage {
        let copy = DedupStorage(buckets: buckets, reserve: reservedBytes > 0)
        // Both regions hold `8 * buckets` words.
        copy.words.update(from: words, count: 8 * buckets)
        return copy
    }

    deinit {
        if reservedBytes > 0 {
            // The whole reservation mapped in `init`; nothing else references it.
            _ = munmap(UnsafeMutableRawPointer(words), reservedBytes)
        } else {
            free(words)
        }
    }
}
