/// When `ScaleOutCloseService`'s leader closes, as a value-type state machine (no clock, no
/// broker): the auto-close every `autoCloseEvery` (when `periods.auto_close` is on), and the
/// retry of closes recorded but not finished (a failed delivery) with a bounded exponential
/// back-off — `policy.initial` after the first failed retry, doubling up to `policy.maximum`
/// (the single-machine queue's `InvoiceBacklog.Policy`: 5 s to 10 min), back to immediate once
/// nothing is pending.
///
/// A key is retried only once it was pending at two checks in a row, so a close another closer
/// is carrying out right now is left to it.
struct ScaleOutCloseSchedule {
    /// What the leader does at a check.
    enum Action: Equatable {
        case none
        /// Close every ready period (`.ready`; it also finishes recorded closes with events).
        case autoClose
        /// Finish the closes recorded and not finished (`.recorded`; never starts one).
        case retry
    }

    let policy: InvoiceBacklog.Policy
    let autoCloseEvery: Duration?
    private(set) var nextAutoClose: ContinuousClock.Instant?
    private(set) var retryAt: ContinuousClock.Instant
    /// Failed retries in a row.
    private(set) var failures = 0
    /// The keys pending at the previous check.
    private(set) var seen: Set<String> = []

    init(policy: InvoiceBacklog.Policy = .init(), autoCloseEvery: Duration?, now: ContinuousClock.Instant) {
        self.policy = policy
        self.autoCloseEvery = autoCloseEvery
        nextAutoClose = autoCloseEvery.map { now + $0 }
        retryAt = now
    }

    /// Time between checks: the back-off's first step, or the auto-close interval when shorter.
    var checkEvery: Duration { min(policy.initial, autoCloseEvery ?? policy.initial) }

    /// The action at `now`, with `pending` the keys recorded and not finished. At most one per
    /// check; the auto-close goes first when due.
    mutating func next(pending: [String], now: ContinuousClock.Instant) -> Action {
        let stale = !seen.isDisjoint(with: pending)
        seen = Set(pending)
        if let due = nextAutoClose, let every = autoCloseEvery, now >= due {
            nextAutoClose = now + every
            return .autoClose
        }
        return stale && now >= retryAt ? .retry : .none
    }

    /// The outcome of a retry: `left` is what is still pending after it. Returns the wait before
    /// the next retry, or nil when nothing is left (the back-off is reset).
    mutating func retried(left: [String], now: ContinuousClock.Instant) -> Duration? {
        guard !left.isEmpty else {
            failures = 0
            retryAt = now
            return nil
        }
        failures += 1
        let delay = policy.delay(afterFailures: failures)
        retryAt = now + delay
        return delay
    }

    /// This instance is not the leader (any more): whoever leads starts afresh.
    mutating func standBy(now: ContinuousClock.Instant) {
        seen = []
        failures = 0
        retryAt = now
    }
}
