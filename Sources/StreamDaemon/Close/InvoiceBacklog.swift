/// The invoices frozen but not yet issued (written and delivered), as a value-type state
/// machine: `InvoiceQueue` holds it under a lock and carries out what it returns.
///
/// One entry per (OB, period). An entry is due at once when submitted; a failed attempt makes it
/// due again after a bounded exponential back-off (`Policy`); a success removes it. Whoever
/// waits for an entry (a close request) gets the outcome of the next attempt that finishes.
struct InvoiceBacklog {
    /// Receives the outcome of an attempt.
    typealias Waiter = @Sendable (Result<CloseReport.Invoice, any Error>) -> Void

    /// Back-off between attempts: `initial` after the first failure, doubling up to `maximum`.
    struct Policy: Sendable {
        var initial: Duration = .seconds(5)
        var maximum: Duration = .seconds(600)

        /// The wait after the `failures`-th failed attempt in a row (1-based).
        func delay(afterFailures failures: Int) -> Duration {
            var delay = initial
            for _ in 1..<max(1, min(failures, 64)) where delay < maximum { delay *= 2 }
            return min(delay, maximum)
        }
    }

    struct Entry {
        var job: InvoiceJob
        var dueAt: ContinuousClock.Instant
        var failures = 0
        var inFlight = false
        var waiters: [Waiter] = []
    }

    /// What the worker does next.
    enum Next {
        /// Issue this job now (the entry is in flight until `succeeded` or `failed`).
        case run(InvoiceJob)
        /// Nothing due: wait until the instant (or a submit), nil = until a submit.
        case wait(until: ContinuousClock.Instant?)
        /// The queue is stopped.
        case stop
    }

    /// A failed attempt: whom to tell, when it is tried again, how many failures in a row.
    struct Failure {
        var waiters: [Waiter]
        var retryAt: ContinuousClock.Instant
        var failures: Int
    }

    let policy: Policy
    private(set) var entries: [String: Entry] = [:]
    private(set) var stopped = false

    init(policy: Policy = Policy()) { self.policy = policy }

    /// The pending (OB, period) keys, sorted (`/readyz` detail).
    var pendingKeys: [String] { entries.keys.sorted() }

    /// Queues `job` due now; an entry already pending for its key takes the newer job (its
    /// back-off is cut short unless an attempt is in flight) and the waiter.
    mutating func submit(_ job: InvoiceJob, waiter: Waiter?, now: ContinuousClock.Instant) {
        var entry = entries[job.key] ?? Entry(job: job, dueAt: now)
        entry.job = job
        if !entry.inFlight { entry.dueAt = min(entry.dueAt, now) }
        if let waiter { entry.waiters.append(waiter) }
        entries[job.key] = entry
    }

    /// The entry due first (by instant, then key) when it is due by `now`.
    mutating func next(now: ContinuousClock.Instant) -> Next {
        guard !stopped else { return .stop }
        let idle = entries.filter { !$0.value.inFlight }
        guard let first = idle.min(by: { ($0.value.dueAt, $0.key) < ($1.value.dueAt, $1.key) }) else {
            return .wait(until: nil)
        }
        guard first.value.dueAt <= now else { return .wait(until: first.value.dueAt) }
        entries[first.key]?.inFlight = true
        return .run(first.value.job)
    }

    /// The attempt on `key` succeeded: the entry is gone; returns its waiters.
    mutating func succeeded(_ key: String) -> [Waiter] {
        entries.removeValue(forKey: key)?.waiters ?? []
    }

    /// The attempt on `key` failed: due again after the back-off; returns its waiters.
    mutating func failed(_ key: String, now: ContinuousClock.Instant) -> Failure? {
        guard var entry = entries[key] else { return nil }
        entry.failures += 1
        entry.inFlight = false
        entry.dueAt = now + policy.delay(afterFailures: entry.failures)
        let waiters = entry.waiters
        entry.waiters = []
        entries[key] = entry
        return Failure(waiters: waiters, retryAt: entry.dueAt, failures: entry.failures)
    }

    /// Stops the queue; returns every waiter (their invoices stay unissued, finished at the next start).
    mutating func stop() -> [Waiter] {
        stopped = true
        var waiters: [Waiter] = []
        for key in entries.keys { waiters += entries[key]?.waiters ?? [] }
        for key in entries.keys { entries[key]?.waiters = [] }
        return waiters
    }
}
