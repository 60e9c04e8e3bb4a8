import Aggregation

extension ConsumerLoop {
    /// Answers the queued state reads (`ConsumerControl.mergedState()`, for `explain`) with one
    /// merged copy of the partition states, made here on the thread that owns them; the caller
    /// works on its copy off this thread.
    func serveStateReads() {
        let reads = control.takeStateReads()
        guard !reads.isEmpty else { return }
        let merged = Result<PartitionState, any Error>(catching: { try engine.mergedState() })
        for read in reads { read(merged) }
    }
}
