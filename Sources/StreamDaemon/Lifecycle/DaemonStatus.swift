import Synchronization

/// What `/readyz` and systemd's `STATUS=` report: set by the consumer, read by the HTTP server.
final class DaemonStatus: Sendable {
    struct State: Sendable {
        var stateLoaded = false
        var assigned: [TopicPartition] = []
        var lagKnown = false
        var brokerReachable = true
        var checkpointWritable = true
        var stopping = false
        /// Sum of the assigned partitions' next offsets (messages consumed, for offsets from 0).
        var consumedOffsets: Int64 = 0
        /// Sum of the assigned partitions' lag, when known.
        var lagTotal: Int64 = 0
    }

    private let state = Mutex(State())

    func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }

    var snapshot: State { state.withLock { $0 } }

    /// Ready: state loaded, partitions assigned, lag known, checkpoints durable, not stopping.
    /// Returns the reasons it is not.
    func notReadyReasons() -> [String] {
        let s = snapshot
        var reasons: [String] = []
        if !s.stateLoaded { reasons.append("state not loaded") }
        if s.assigned.isEmpty { reasons.append("no partitions assigned") }
        if !s.lagKnown { reasons.append("consumer lag not known yet") }
        if !s.brokerReachable { reasons.append("broker unreachable") }
        if !s.checkpointWritable { reasons.append("checkpoints failing (offsets not committed)") }
        if s.stopping { reasons.append("stopping") }
        return reasons
    }
}
