import Synchronization

/// Requests from other tasks (HTTP, signals, shutdown) to the consumer thread, which owns the
/// partition states. A lock around a small queue; the consumer drains it between polls.
final class ConsumerControl: Sendable {
    struct PendingClose: Sendable {
        var scope: CloseScope
        var reply: @Sendable (Result<CloseReport, any Error>) -> Void
    }

    struct State: Sendable {
        var stopRequested = false
        var finished = false
        var closes: [PendingClose] = []
    }

    private let state = Mutex(State())

    /// Asks the consumer loop to stop (final checkpoint, commit, leave the group).
    func requestStop() {
        state.withLock { $0.stopRequested = true }
    }

    var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Queues a close and waits for the consumer thread to run it.
    func close(_ scope: CloseScope) async throws -> CloseReport {
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
    func takeCloses() -> [PendingClose] {
        state.withLock { s in
            defer { s.closes.removeAll() }
            return s.closes
        }
    }

    /// Marks the loop finished and fails whatever is still queued.
    func finish() {
        let left = state.withLock { s -> [PendingClose] in
            s.finished = true
            defer { s.closes.removeAll() }
            return s.closes
        }
        for close in left { close.reply(.failure(DaemonError(.close, "the consumer stopped before the close ran"))) }
    }
}
