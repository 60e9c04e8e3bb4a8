package import Aggregation
import Synchronization

/// What `/readyz` and systemd's `STATUS=` report: set by the consumer, read by the HTTP server.
package final class DaemonStatus: Sendable {
    package struct State: Sendable {
        package var stateLoaded = false
        package var assigned: [PartitionKey] = []
        package var lagKnown = false
        package var brokerReachable = true
        package var checkpointWritable = true
        /// Whether the last append to the quarantine file succeeded.
        package var quarantineWritable = true
        /// Partitions paused by a transient fault: `topic/partition@offset: reason`.
        package var paused: [String] = []
        package var stopping = false
        /// Sum of the assigned partitions' next offsets (messages consumed, for offsets from 0).
        package var consumedOffsets: Int64 = 0
        /// Sum of the assigned partitions' lag, when known.
        package var lagTotal: Int64 = 0
        /// `OB-YYYY-MM` of the invoices frozen but not yet issued and delivered (retried in the
        /// background): `/readyz` detail, never a reason to be not ready.
        package var pendingDeliveries: [String] = []
    }

    private let state = Mutex(State())

    package func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }

    package var snapshot: State { state.withLock { $0 } }

    /// Ready: state loaded, partitions assigned, lag known, checkpoints durable, not stopping.
    /// Returns the reasons it is not.
    package func notReadyReasons() -> [String] {
        let s = snapshot
        var reasons: [String] = []
        if !s.stateLoaded { reasons.append("state not loaded") }
        if s.assigned.isEmpty { reasons.append("no partitions assigned") }
        if !s.lagKnown { reasons.append("consumer lag not known yet") }
        if !s.brokerReachable { reasons.append("broker unreachable") }
        if !s.checkpointWritable { reasons.append("checkpoints failing (offsets not committed)") }
        if !s.quarantineWritable { reasons.append("quarantine file not writable (offsets not committed)") }
        if !s.paused.isEmpty { reasons.append("partitions paused: " + s.paused.joined(separator: ", ")) }
        if s.stopping { reasons.append("stopping") }
        return reasons
    }

    /// Detail lines `/readyz` adds to its answer without changing its status: the invoices
    /// waiting to be issued or delivered.
    package func readinessDetail() -> [String] {
        snapshot.pendingDeliveries.map { "invoice pending delivery: \($0)" }
    }

    /// A close on one machine runs only when the daemon is ready by the rule of `/readyz`:
    /// with no partitions assigned or the lag unknown, the consumer holds no state to close from,
    /// and a close would succeed having closed nothing. `force` does not lift this.
    /// - Throws: `DaemonError(.notReady)` naming the reasons (`; `-separated).
    package func requireReadyToClose() throws(DaemonError) {
        let reasons = notReadyReasons()
        guard reasons.isEmpty else {
            throw DaemonError(.notReady, reasons.joined(separator: "; "), source: "daemon")
        }
    }
}
