import Synchronization

/// The newest `LiveStateView` the consumer thread published for previews, and the requests
/// waiting for one. A lock around a small state machine, taken by the consumer once per loop
/// pass (never per message) and by each preview request once or twice.
///
/// The consumer publishes only while previews are asked for (`demandWindow`): at once when a
/// request waits (no view yet, or the last one went stale), else at most every `refresh` when
/// its partitions moved. A view is stale once the consumer ingested or froze anything after
/// taking it; a request answers from the newest view that is not stale, else waits for the
/// consumer's next pass — so a preview always reflects everything consumed before it was asked.
package final class LiveStateSnapshots: Sendable {
    /// A request waiting for the next view.
    typealias Waiter = @Sendable (Result<LiveStateView, any Error>) -> Void

    struct State {
        var latest: LiveStateView?
        /// The consumer's progress signature when `latest` was taken.
        var signature: Int64 = 0
        var stale = true
        var waiters: [Waiter] = []
        /// The last request's instant: the consumer publishes while it is within `demandWindow`.
        var lastDemand: ContinuousClock.Instant?
        var lastPublish: ContinuousClock.Instant?
        var finished = false
    }

    /// How long after the last request views are still refreshed.
    static let demandWindow: Duration = .seconds(30)
    /// The least time between two refreshes nobody waits for.
    static let refresh: Duration = .seconds(1)

    private let state = Mutex(State())

    package init() {}

    /// The newest view that reflects everything consumed so far, waiting for the consumer's next
    /// pass when there is none. Throws when the consumer stopped or could not take the view.
    package func current() async throws -> LiveStateView {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LiveStateView, any Error>) in
            let ready = state.withLock { s -> Result<LiveStateView, any Error>? in
                s.lastDemand = .now
                if s.finished {
                    return .failure(DaemonError(.notReady, "the consumer is not running", source: "preview"))
                }
                if !s.stale, let latest = s.latest { return .success(latest) }
                s.waiters.append { continuation.resume(with: $0) }
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// What the consumer should do this pass, given its progress `signature` (consumer thread).
    enum Due: Equatable {
        case nothing
        /// Take and `publish` a view.
        case publish
    }

    /// Whether a view is due: someone waits, or previews were asked for lately and the
    /// partitions moved since the last view (then it is marked stale) and `refresh` passed.
    func due(signature: Int64, now: ContinuousClock.Instant) -> Due {
        state.withLock { s in
            if !s.waiters.isEmpty { return .publish }
            guard let demand = s.lastDemand, now - demand < Self.demandWindow else {
                // Nobody looks: drop the view (its memory) until the next request.
                s.latest = nil
                s.stale = true
                return .nothing
            }
            guard s.latest != nil, signature != s.signature else { return .nothing }
            s.stale = true
            guard let last = s.lastPublish, now - last < Self.refresh else { return .publish }
            return .nothing
        }
    }

    /// Publishes `view` (or the error taking it) and answers every waiting request (consumer thread).
    func publish(_ view: Result<LiveStateView, any Error>, signature: Int64, now: ContinuousClock.Instant) {
        let waiters = state.withLock { s -> [Waiter] in
            if case .success(let v) = view {
                s.latest = v
                s.signature = signature
                s.stale = false
            }
            s.lastPublish = now
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for waiter in waiters { waiter(view) }
    }

    /// The consumer stopped: fails the waiting requests and every later one.
    func finish() {
        let waiters = state.withLock { s -> [Waiter] in
            s.finished = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for waiter in waiters { waiter(.failure(DaemonError(.notReady, "the consumer stopped", source: "preview"))) }
    }
}
