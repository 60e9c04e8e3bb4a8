/// When the consumer thread hands freed heap memory back to the system (`HeapTrim`): at the
/// first housekeeping tick after a busy spell that saw no activity since the tick before (no
/// message polled, no checkpoint completed), so once per quiet spell of at least one tick
/// (2 s), never while messages flow. A burst's transient memory (fetched batches, a base's
/// encode buffers, the close's maps) is then returned, and the RSS of an idle daemon follows its
/// state instead of its last peak. A value type driven by `ConsumerLoop`, on the consumer thread.
struct IdleTrim {
    private var activeSinceTick = false
    private var owed = false

    /// Something that allocates happened (messages polled, a checkpoint completed).
    mutating func sawActivity() { activeSinceTick = true }

    /// A housekeeping tick: true when the heap should be trimmed now.
    mutating func tick() -> Bool {
        if activeSinceTick {
            activeSinceTick = false
            owed = true
            return false
        }
        defer { owed = false }
        return owed
    }
}
