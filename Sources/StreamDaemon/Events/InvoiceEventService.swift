import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Sends the `InvoiceClosed` events of the outbox (`InvoiceEventOutbox`) to every sink, in the
/// background: never on the consumer thread, never in the way of a close (the issuer only writes
/// the outbox file). Each send runs through `Blocking.run` (curl, librdkafka waits).
///
/// Per sink, pending events go oldest first; an event is moved to `sent/` only after the sink's
/// acknowledgement. A failure (receiver down, HTTP 5xx or 4xx, broker unreachable) is counted
/// (`aura_invoice_event_failures_total{sink}`), logged, and that sink waits out the back-off of
/// the invoice delivery (`InvoiceBacklog.Policy`: 5 s doubling to 10 minutes by default) before
/// it tries again, from the same event; the other sink goes on. Pending events survive restarts.
///
/// It also prunes the outbox's sent events (`InvoiceEventOutbox.pruneSent`) at start and then
/// every `pruneEvery`: a period's go `sentRetentionDays` days after its end.
struct InvoiceEventService: Service {
    let outbox: InvoiceEventOutbox
    let sinks: [any InvoiceEventSink]
    var policy = InvoiceBacklog.Policy()
    /// How often the outbox is looked at for new events when nothing is due earlier.
    var pollEvery: Duration = .seconds(1)
    /// Days after a period's end its sent events are kept (`sentRetentionDays(configured:lateHorizonDays:)`).
    var sentRetentionDays = 90
    /// How often sent events past the retention are looked for.
    var pruneEvery: Duration = .seconds(3600)
    let metrics: DaemonMetrics?
    let logger: Logger

    /// One sink's retry state.
    struct SinkState {
        var failures = 0
        var dueAt = ContinuousClock.now
    }

    /// The retention of sent events: `events.sent_retention_days`, but never less than
    /// `periods.late_horizon_days` (when set): until then a re-close may issue the period again,
    /// and finding its revision's sent event is what keeps one machine from announcing it twice.
    static func sentRetentionDays(configured: Int, lateHorizonDays: Int) -> Int {
        max(configured, lateHorizonDays)
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await loop() }
    }

    private func loop() async throws {
        var states = [SinkState](repeating: SinkState(), count: sinks.count)
        var pruneAt = ContinuousClock.now
        while !Task.isCancelled {
            if pruneAt <= .now {
                await prune()
                pruneAt = .now + pruneEvery
            }
            for index in sinks.indices where states[index].dueAt <= .now {
                await drain(sinks[index], &states[index])
            }
            let outbox = self.outbox
            if let pending = try? await Blocking.run({ outbox.pendingCount }) {
                metrics?.invoiceEventsPending.set(to: Double(pending))
            }
            // The next look: at the poll interval, or sooner when a sink's back-off ends sooner.
            let now = ContinuousClock.now
            let backOffEnds = states.map(\.dueAt).filter { $0 > now }.min()
            let wait = min(pollEvery, backOffEnds.map { now.duration(to: $0) } ?? pollEvery)
            do {
                try await Task.sleep(for: wait)
            } catch {
                return  // cancelled: graceful shutdown
            }
        }
    }

    /// Removes the sent events past the retention; a failure is logged and tried at the next prune.
    private func prune() async {
        let (outbox, days) = (self.outbox, sentRetentionDays)
        do {
            let removed = try await Blocking.run { try outbox.pruneSent(retentionDays: days) }
            if removed > 0 {
                logger.info(
                    "pruned sent invoice events past the retention",
                    metadata: ["events": "\(removed)", "retention_days": "\(days)"])
            }
        } catch {
            logger.warning("cannot prune sent invoice events", metadata: ["error": "\(error)"])
        }
    }

    /// Sends `sink`'s pending events in order until one fails (then the back-off starts).
    private func drain(_ sink: any InvoiceEventSink, _ state: inout SinkState) async {
        let outbox = self.outbox
        let name = sink.name
        guard let keys = try? await Blocking.run({ outbox.pendingKeys(sink: name) }) else { return }
        for key in keys {
            if Task.isCancelled { return }
            do {
                let left = try await Blocking.run {
                    if outbox.isSent(sink: name, key: key) {
                        // A crash between the sent copy and the removal: nothing to resend.
                        try? FileManager.default.removeItem(atPath: outbox.pendingPath(sink: name, key: key))
                        return outbox.pendingCount
                    }
                    let body = try outbox.body(sink: name, key: key)
                    let event = try InvoiceClosedEvent.decode(body, source: outbox.pendingPath(sink: name, key: key))
                    try sink.send(event, body: body)
                    try outbox.markSent(sink: name, key: key, body: body)
                    return outbox.pendingCount
                }
                metrics?.invoiceEventsSent(sink: name).increment()
                metrics?.invoiceEventsPending.set(to: Double(left))
                logger.info("invoice event sent", metadata: ["sink": "\(sink.name)", "key": "\(key)"])
                state.failures = 0
            } catch {
                state.failures += 1
                let delay = policy.delay(afterFailures: state.failures)
                state.dueAt = .now + delay
                metrics?.invoiceEventFailures(sink: sink.name).increment()
                logger.error(
                    "invoice event not sent; retrying in the background",
                    metadata: [
                        "sink": "\(sink.name)", "key": "\(key)", "error": "\(error)",
                        "failures": "\(state.failures)", "next_attempt_in": "\(delay)",
                    ])
                return
            }
        }
    }
}
