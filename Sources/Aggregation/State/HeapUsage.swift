internal import CAuraPrefetch

/// The C library allocator's account of the daemon's heap (glibc `mallinfo2`, every arena): what
/// is allocated now, and what is free but still held. Next to `VmRSS` it separates live memory
/// from memory the allocator keeps (fragmentation, not yet trimmed), see docs/performance.md,
/// "12-month soak".
package struct HeapUsage: Sendable, Equatable {
    /// Bytes allocated and not freed: in the arenas plus the mmapped blocks.
    package var inUse: Int
    /// Bytes free in the arenas but not returned to the system.
    package var heldFree: Int

    /// The allocator's account now; nil where the C library does not give it (not glibc ≥ 2.33).
    /// Walks every arena's free lists under its lock: call it per scrape, not per message.
    package static func current() -> HeapUsage? {
        var inUse: UInt64 = 0
        var heldFree: UInt64 = 0
        guard aura_malloc_usage(&inUse, &heldFree) == 1 else { return nil }
        return HeapUsage(inUse: Int(clamping: inUse), heldFree: Int(clamping: heldFree))
    }
}
