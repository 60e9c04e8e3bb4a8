import Aggregation
import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// Issues the invoices of closes in the background, on its own thread (never the consumer
/// thread, never the cooperative pool): takes each due job from `InvoiceQueue`, prices it,
/// writes workbook and manifest, delivers them (`InvoiceIssuer`), then marks its close journal
/// done. A failure stays queued and is retried with back-off (`InvoiceBacklog.Policy`).
///
/// On graceful shutdown (it is the first service told) the queue stops — waiting close requests
/// are answered with an error, closes frozen afterwards are not issued — and the service waits up
/// to `stopBound` for an attempt in flight; whatever is unfinished keeps its journal not done and
/// is finished at the next start. Every write is atomic and idempotent, so leaving one behind is
/// harmless.
struct InvoiceIssuingService: Service {
    let queue: InvoiceQueue
    let issuer: InvoiceIssuer
    let stateDir: String
    var stopBound: Duration = .seconds(5)

    func run() async throws {
        let exited = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            work()
            exited.signal()
        }
        thread.name = "aura-invoices"
        thread.start()
        try? await gracefulShutdown()
        queue.stop()
        let bound = stopBound
        _ = try? await Blocking.run {
            exited.wait(timeout: .now() + .milliseconds(Int(bound.components.seconds * 1000)))
        }
    }

    /// The issuing thread: one job at a time until the queue stops.
    func work() {
        while let job = queue.next() {
            queue.finished(job, Result { try issue(job) })
            // A workbook's buffers (sheets, zip) are freed by now: hand them back, so that the
            // daemon's RSS after a close returns to its state's.
            HeapTrim.returnFreedMemory()
        }
    }

    /// Issues `job` (idempotent: identical files are left as they are) and marks its journal done.
    ///
    /// With invoice events, a re-close of a journal already done (a revision may come of it)
    /// first marks the journal not done again: a crash after the new revision is written and
    /// before its event is in the outbox then reissues it at the next start (`pendingJobs`),
    /// which finds the revision in place and stores its event — exactly one per revision.
    func issue(_ job: InvoiceJob) throws -> CloseReport.Invoice {
        var journal = job.journal
        if journal.done && issuer.events != nil {
            journal.done = false
            try journal.save(stateDir: stateDir)
        }
        let invoice = try issuer.issue(journal, input: job.input)
        if !journal.done {
            journal.done = true
            try journal.save(stateDir: stateDir)
        }
        return invoice
    }
}
