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
/// Blocking (fsync, Kafka round trips, xlsx, delivery): runs on the consumer thread or the
/// blocking pool.
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

    /// Runs `plan` with `steps`; `state` is the merged state it was planned from, `closedAtMs`
    /// the instant new records get. Throws when step 1 or 2 fails (then nothing is issued).
    func run<Steps: CloseSteps>(_ plan: ClosePlan, steps: Steps, state: PartitionState, closedAtMs: Int64) throws
        -> CloseReport
    {
        var report = CloseReport()
        report.notReady = plan.notReady.map(\.description)
        report.errors = plan.errors
        guard !plan.targets.isEmpty else { return report }
        // 1. Record.
        let records = try steps.record(plan.targets, offsets: plan.offsets, closedAtMs: closedAtMs)
        // 2. Freeze.
        let frozen: PartitionState
        switch try steps.freeze(plan.targets, records: records, state: state) {
        case .frozen(let state):
            frozen = state
        case .pending(let errors):
            report.errors += errors
            return report
        }
        // 3. Issue and record done.
        for record in records {
            do {
                report.closed.append(try issue(record, from: frozen, steps: steps))
            } catch {
                metrics?.closeFailures.increment()
                logger.error(
                    "close failed", metadata: ["ob": "\(record.ob)", "period": "\(record.period)", "error": "\(error)"])
                report.errors.append("\(record.ob) \(record.period): \(error)")
            }
        }
        return report
    }

    /// Step 3 for one record: issues its invoice from `state` and records it done.
    func issue<Steps: CloseSteps>(_ record: Steps.Record, from state: PartitionState, steps: Steps) throws
        -> CloseReport.Invoice
    {
        try steps.finish(record) { try issuer.issue(record, from: state) }
    }
}
