import Aggregation
import Logging
import Prometheus

/// Carries out a `ClosePlan` — the steps after planning, the same on one machine and scaled out
/// (`CloseSteps` supplies what differs). The order makes a crash at any point harmless:
/// 1. record every target durably before anything is frozen (an earlier record wins, so a rerun
///    reuses closed-at, forced and offsets);
/// 2. freeze the periods durably — from here on their events are late and billed on the next
///    invoice;
/// 3. issue each invoice from the frozen aggregates (price, write workbook and manifest —
///    idempotent: identical files are left as they are — deliver, count), then record it done.
///    A failure is counted, logged and reported for its (OB, period); the others go on.
///
/// On one machine steps 1 and 2 (`freeze`) run on the consumer thread and step 3 in the
/// background (`InvoiceQueue`, with retries); scaled out, `run` does all three on the blocking
/// pool (Kafka round trips, xlsx, delivery).
struct CloseExecutor {
    /// The outcome of step 2.
    enum Freeze {
        /// Frozen everywhere: invoice from this state.
        case frozen(PartitionState)
        /// Not confirmed yet: these report errors, nothing is issued (the next close finishes it).
        case pending([String])
    }

    let issuer: InvoiceIssuer
    let metrics: DaemonMetrics?
    let logger: Logger

    /// What steps 1 and 2 leave: the report so far, the records, and the state to invoice from
    /// (nil when nothing is to be issued: no target, or the freeze is not confirmed yet).
    struct Frozen<Record> {
        var report = CloseReport()
        var records: [Record] = []
        var state: PartitionState?
    }

    /// Steps 1 and 2 of `plan` with `steps`; `state` is the merged state it was planned from,
    /// `closedAtMs` the instant new records get. Throws when step 1 or 2 fails.
    static func freeze<Steps: CloseSteps>(_ plan: ClosePlan, steps: Steps, state: PartitionState, closedAtMs: Int64)
        throws
        -> Frozen<Steps.Record>
    {
        var frozen = Frozen<Steps.Record>()
        frozen.report.notReady = plan.notReady.map(\.description)
        frozen.report.errors = plan.errors
        guard !plan.targets.isEmpty else { return frozen }
        // 1. Record.
        frozen.records = try steps.record(plan.targets, offsets: plan.offsets, closedAtMs: closedAtMs)
        // 2. Freeze.
        switch try steps.freeze(plan.targets, records: frozen.records, state: state) {
        case .frozen(let state):
            frozen.state = state
        case .pending(let errors):
            frozen.report.errors += errors
        }
        return frozen
    }

    /// Runs `plan` with `steps` to the end, step 3 included (scale-out; on one machine step 3
    /// runs in the background, see `InvoiceIssuingService`). Throws when step 1 or 2 fails
    /// (then nothing is issued).
    func run<Steps: CloseFinishing>(_ plan: ClosePlan, steps: Steps, state: PartitionState, closedAtMs: Int64) throws
        -> CloseReport
    {
        let frozen = try Self.freeze(plan, steps: steps, state: state, closedAtMs: closedAtMs)
        var report = frozen.report
        guard let state = frozen.state else { return report }
        // 3. Issue and record done.
        for record in frozen.records {
            do {
                report.closed.append(
                    try steps.finish(record) { announce in try issuer.issue(record, from: state, announce: announce) })
            } catch {
                metrics?.closeFailures.increment()
                metrics?.invoiceDeliveryFailures.increment()
                logger.error(
                    "close failed", metadata: ["ob": "\(record.ob)", "period": "\(record.period)", "error": "\(error)"])
                report.errors.append("\(record.ob) \(record.period): \(error)")
            }
        }
        return report
    }
}
