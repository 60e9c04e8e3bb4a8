import Aggregation
import Foundation
import Invoicing
import Logging
import Synchronization
import Testing

@testable import StreamDaemon

/// The background invoice queue: its state machine (due, back-off, retry, done) with instants
/// passed in, and the queue's visible state (gauge, `/readyz` detail, waiters).
@Suite("Invoice queue: back-off, retries and the pending gauge")
struct InvoiceQueueTests {
    static func job(_ ob: String, _ period: String = "2026-10") throws -> InvoiceJob {
        let journal = CloseJournal(ob: ob, period: period, closedAtMs: 1, forced: false, offsets: [], done: false)
        let state = PartitionState(zones: try EngineFixture.zones())
        let input = try InvoiceInputBuilder.input(of: journal, from: state, names: .init())
        return InvoiceJob(journal: journal, input: input)
    }

    /// Records the outcomes a waiter receives.
    final class Outcomes: Sendable {
        private let results = Mutex<[Result<CloseReport.Invoice, any Error>]>([])
        var count: Int { results.withLock { $0.count } }
        var failures: Int { results.withLock { $0.filter { if case .failure = $0 { true } else { false } }.count } }
        var waiter: InvoiceBacklog.Waiter { { [self] result in results.withLock { $0.append(result) } } }
    }

    struct Refused: Error {}

    @Test("the back-off starts at 5 s, doubles after each failure and stops growing at 10 minutes")
    func backOff() {
        let policy = InvoiceBacklog.Policy()
        #expect(
            (1...9).map { policy.delay(afterFailures: $0) }
                == [5, 10, 20, 40, 80, 160, 320, 600, 600].map { .seconds($0) })
        #expect(policy.delay(afterFailures: 10_000) == .seconds(600))
    }

    @Test("a failed attempt is due again only after its back-off, and a success removes it")
    func retryThenDone() throws {
        var backlog = InvoiceBacklog()
        let t0 = ContinuousClock.now
        let outcomes = Outcomes()
        backlog.submit(try Self.job("ESP"), waiter: outcomes.waiter, now: t0)
        guard case .run(let first) = backlog.next(now: t0) else {
            Issue.record("not due at once")
            return
        }
        #expect(first.key == "ESP-2026-10")
        guard case .wait(nil) = backlog.next(now: t0) else {
            Issue.record("in flight twice")
            return
        }
        let failed = backlog.failed(first.key, now: t0)
        let failure = try #require(failed)
        #expect(failure.retryAt == t0 + .seconds(5))
        #expect(failure.waiters.count == 1, "the waiter hears of the failure")
        #expect(backlog.pendingKeys == ["ESP-2026-10"], "a failure stays queued")
        guard case .wait(let until) = backlog.next(now: t0 + .seconds(4)) else {
            Issue.record("due early")
            return
        }
        #expect(until == t0 + .seconds(5))
        guard case .run = backlog.next(now: t0 + .seconds(5)) else {
            Issue.record("not retried")
            return
        }
        let failedAgain = backlog.failed(first.key, now: t0 + .seconds(5))
        let second = try #require(failedAgain)
        #expect(second.retryAt == t0 + .seconds(15) && second.failures == 2 && second.waiters.isEmpty)
        guard case .run = backlog.next(now: t0 + .seconds(15)) else {
            Issue.record("not retried")
            return
        }
        #expect(backlog.succeeded(first.key).isEmpty)
        #expect(backlog.pendingKeys.isEmpty)
        guard case .wait(nil) = backlog.next(now: t0 + .seconds(16)) else {
            Issue.record("still queued")
            return
        }
    }

    @Test("a new close of a pending invoice makes it due at once and joins its waiters; stopping fails them")
    func resubmitAndStop() throws {
        var backlog = InvoiceBacklog()
        let t0 = ContinuousClock.now
        backlog.submit(try Self.job("ESP"), waiter: nil, now: t0)
        backlog.submit(try Self.job("FRA"), waiter: nil, now: t0)
        guard case .run(let esp) = backlog.next(now: t0) else {
            Issue.record("not due")
            return
        }
        _ = backlog.failed(esp.key, now: t0)
        let outcomes = Outcomes()
        backlog.submit(try Self.job("ESP"), waiter: outcomes.waiter, now: t0 + .seconds(1))
        #expect(backlog.pendingKeys == ["ESP-2026-10", "FRA-2026-10"])
        // FRA was due at t0, ESP again at t0 + 1 s (not t0 + 5 s): FRA first, then ESP.
        guard case .run(let next) = backlog.next(now: t0 + .seconds(1)) else {
            Issue.record("not due")
            return
        }
        #expect(next.key == "FRA-2026-10")
        guard case .run(let again) = backlog.next(now: t0 + .seconds(1)) else {
            Issue.record("no retry")
            return
        }
        #expect(again.key == "ESP-2026-10")
        let waiters = backlog.stop()
        #expect(waiters.count == 1)
        guard case .stop = backlog.next(now: t0 + .seconds(2)) else {
            Issue.record("not stopped")
            return
        }
    }

    @Test("the queue publishes pending invoices as a gauge and /readyz detail, counts failures and tells waiters")
    func queueVisibility() throws {
        let metrics = DaemonMetrics(auditTopic: "a", gatewayTopic: "g")
        let status = DaemonStatus()
        let queue = InvoiceQueue(metrics: metrics, status: status, logger: Logger(label: "test.queue"))
        let outcomes = Outcomes()
        queue.submit([try Self.job("ESP"), try Self.job("FRA")]) { _ in outcomes.waiter }
        let rendered = { String(decoding: metrics.render(), as: UTF8.self) }
        #expect(rendered().contains("aura_invoices_pending_delivery 2"))
        #expect(status.snapshot.pendingDeliveries == ["ESP-2026-10", "FRA-2026-10"])
        #expect(
            status.readinessDetail() == [
                "invoice pending delivery: ESP-2026-10", "invoice pending delivery: FRA-2026-10",
            ])
        #expect(status.notReadyReasons().allSatisfy { !$0.contains("pending") }, "pending deliveries never make it 503")

        let first = try #require(queue.next())
        queue.finished(first, .failure(Refused()))
        #expect(outcomes.failures == 1)
        #expect(rendered().contains("aura_invoice_delivery_failures_total 1"))
        #expect(rendered().contains("aura_invoices_pending_delivery 2"), "a failure stays pending")

        let second = try #require(queue.next())
        #expect(second.key != first.key, "the failed one waits for its back-off")
        let invoice = CloseReport.Invoice(
            ob: second.journal.ob, period: "2026-10", currency: "EUR", total: "0.00", totalQueries: 0, totalRequests: 0,
            workbook: "w.xlsx", revision: 1, written: true, forced: false)
        queue.finished(second, .success(invoice))
        #expect(outcomes.count == 2)
        #expect(rendered().contains("aura_invoices_pending_delivery 1"))
        #expect(status.snapshot.pendingDeliveries == [first.key])
        queue.stop()
        #expect(queue.next() == nil)
    }
}
