import Synchronization

/// Requests from other tasks (HTTP, signals, shutdown) to the consumer thread, which owns the
/// partition states. A lock around a small queue; the consumer drains it between polls.
package final class ConsumerControl: Sendable {
    package struct PendingClose: Sendable {
        package var scope: CloseScope
        package var reply: @Sendable (Result<CloseReport, any Error>) -> Void
    }

    package struct State: Sendable {
        package var stopRequested = false
        package var finished = false
        package var closes: [PendingClose] = []
        /// Requests for a copy of the merged state (`explain`), answered between polls.
    }

    private let state = Mutex(State())
    /// The views previews price from, published by the consumer thread while they are asked for.
    package let snapshots = LiveStateSnapshots()

    /// Asks the consumer loop to stop (final checkpoint, commit, leave the group).
    package func requestStop() {
        state.withLock { $0.stopRequested = true }
    }

    package var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Queues a close and waits for the consumer thread to run it.
    package func close(_ scope: CloseScope) async throws -> CloseReport {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CloseReport, any Error>) in
            let accepted = state.withLock { s -> Bool in
                guard !s.finished else { return false }
                s.closes.append(PendingClose(scope: scope, reply: { continuation.resume(with: $0) }))
                return true
            }
            if !accepted { continuation.resume(throwing: DaemonError(.close, "the consumer is not running")) }
        }
    }

    /// Takes the queued closes (consumer thread).
    package func takeCloses() -> [PendingClose] {
        state.withLock { s in
            defer { s.closes.removeAll() }
            return s.closes
        }
    }

    /// Marks the loop finished and fails whatever is still queued.
    package func finish() {
        let left = state.withLock { s in
            s.finished = true
            defer { s.closes.removeAll() }
            return s.closes
        }
        for close in left { close.reply(.failure(DaemonError(.close, "the consumer stopped before the close ran"))) }
        snapshots.finish()
    }
}
