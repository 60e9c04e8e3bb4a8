internal import CAuraPrefetch
internal import Foundation

/// Keeping the daemon's resident memory close to its live state over months.
///
/// glibc keeps freed pages in its arenas for reuse; the arrays of retired rows, the tables rebuilt
/// smaller, the encode buffers of a base checkpoint and the fetch buffers of a burst leave such
/// holes, so without help the RSS of a long-running daemon stays at its highest peak and wanders
/// with whatever transient memory the last burst left (see docs/performance.md, "12-month soak").
package enum HeapTrim {
    /// The malloc settings of a long-running daemon, unless the environment sets them
    /// (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, which glibc reads itself):
    /// - at most 2 arenas: the hot path is one consumer thread; each further arena would keep
    ///   its own free pages;
    /// - allocations of 1 MiB and more are mmapped and given back when freed (checkpoint encode
    ///   buffers, fetch batches, rebuilt tables), instead of glibc's dynamic threshold, which
    ///   rises to 32 MiB after the first large free and then keeps such blocks in the heap.
    /// Call once at start, before the threads that allocate are started.
    package static func configureForDaemon(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["MALLOC_ARENA_MAX"] == nil { _ = aura_malloc_set_arena_max(2) }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = aura_malloc_set_mmap_threshold(1 << 20) }
    }

    /// Calls `malloc_trim(0)` where the C library has it (a no-op elsewhere): after a compaction,
    /// after the consumer goes quiet following a burst (`IdleTrim`), after an invoice is issued.
    package static func returnFreedMemory() {
        _ = aura_malloc_trim()
    }
}
