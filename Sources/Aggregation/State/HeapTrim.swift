internal import CAuraPrefetch

/// Returning freed heap memory to the system after a compaction (`PartitionState+Compaction`).
///
/// glibc keeps freed pages in its arenas for reuse; the arrays of retired rows and the tables
/// rebuilt smaller leave such holes, so without a trim the RSS of a long-running daemon would
/// stay at its peak even though its state is flat. Cheap enough once per retirement.
package enum HeapTrim {
    /// Calls `malloc_trim(0)` where the C library has it (a no-op elsewhere).
    package static func returnFreedMemory() {
        _ = aura_malloc_trim()
    }
}
