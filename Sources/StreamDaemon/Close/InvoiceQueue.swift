import Dispatch
import Logging
import Prometheus
import Synchronization

/// The invoices waiting to be issued in the background (`InvoiceIssuingService`): the consumer
/// thread submits the frozen (OB, period) invoices of a close, the issuing thread takes them one
/// at a time, and a failed attempt stays queued and is retried with back-off until it succeeds
/// (never fatal). A `Mutex` around `InvoiceBacklog`; waiters are told outside the lock.
///
/// Visible as `aura_invoices_pending_delivery` (entries) and in `DaemonStatus.pendingDeliveries`
/// (`/readyz` detail). Both are set under the lock, so they never go back to an older value;
/// both are in-memory and never block.
final class InvoiceQueue: Sendable {
    private let backlog: Mutex<InvoiceBacklog>
    /// Wakes the issuing thread on a submit or a stop (spurious wake-ups are harmless).
    private let wake = DispatchSemaphore(value: 0)
    let metrics: DaemonMetrics?
    let status: DaemonStatus?
    let logger: Logger

    init(
        policy: InvoiceBacklog.Policy = .init(), metrics: DaemonMetrics?, status: DaemonStatus?, logger: Logger
    ) {
        backlog = Mutex(InvoiceBacklog(policy: policy))
        self.metrics = metrics
        self.status = status
        self.logger = logger
    }

    /// The (OB, period) keys not yet issued, sorted.
    var pendingKeys: [String] { backlog.withLock { $0.pendingKeys } }

    /// Queues `jobs`, due now; `waiter(i)` (when given) is told the outcome of the next attempt
    /// on `jobs[i]`. A stopped queue fails the waiters at once.
    func submit(_ jobs: [InvoiceJob], waiter: ((Int) -> InvoiceBacklog.Waiter)? = nil) {
        let now = ContinuousClock.now
        let stopped = backlog.withLock { backlog -> Bool in
            guard !backlog.stopped else { return true }
            for (i, job) in jobs.enumerated() { backlog.submit(job, waiter: waiter?(i), now: now) }
            publish(backlog)
            return false
        }
        if stopped {
            for i in jobs.indices { waiter?(i)(.failure(Self.stoppedError)) }
            return
        }
        wake.signal()
    }

    /// Blocks (issuing thread) until a job is due and returns it; nil once stopped.
    func next() -> InvoiceJob? {
        while true {
            switch backlog.withLock({ $0.next(now: .now) }) {
            case .run(let job):
                return job
            case .stop:
                return nil
            case .wait(let until?):
                let left = ContinuousClock.now.duration(to: until)
                let (seconds, attoseconds) = left.components
                let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(nanoseconds, 3_600_000_000_000))))
            case .wait(nil):
                wake.wait()
            }
        }
    }

    /// Records the outcome of the attempt on `job` (issuing thread): done and gone, or due again
    /// after the back-off (counted and logged with the next attempt's time).
    func finished(_ job: InvoiceJob, _ result: Result<CloseReport.Invoice, any Error>) {
        let now = ContinuousClock.now
        switch result {
        case .success:
            let waiters = backlog.withLock { backlog in
                defer { publish(backlog) }
                return backlog.succeeded(job.key)
            }
            for waiter in waiters { waiter(result) }
        case .failure(let error):
            let failure = backlog.withLock { backlog in
                defer { publish(backlog) }
                return backlog.failed(job.key, now: now)
            }
            metrics?.invoiceDeliveryFailures.increment()
            metrics?.closeFailures.increment()
            let retryIn = failure.map { now.duration(to: $0.retryAt) } ?? .zero
            logger.error(
                "invoice not issued; retrying in the background",
                metadata: [
                    "ob": "\(job.journal.ob)", "period": "\(job.journal.period)", "error": "\(error)",
                    "failures": "\(failure?.failures ?? 0)", "next_attempt_in": "\(retryIn)",
                ])
            for waiter in failure?.waiters ?? [] { waiter(result) }
        }
    }

    /// Stops handing out jobs and fails every waiter; what is pending is finished at the next
    /// start (its journal is not done).
    func stop() {
        let waiters = backlog.withLock { $0.stop() }
        wake.signal()
        for waiter in waiters { waiter(.failure(Self.stoppedError)) }
    }

    static let stoppedError = DaemonError(
        .close, "the daemon stopped before the invoice was issued; it is finished at the next start")

    /// Sets the gauge and the status detail from `backlog` (called under the lock).
    private func publish(_ backlog: InvoiceBacklog) {
        let keys = backlog.pendingKeys
        metrics?.invoicesPendingDelivery.set(to: Double(keys.count))
        status?.update { $0.pendingDeliveries = keys }
    }
}
