import Aggregation
import Foundation
import Invoicing
import Logging
import Prometheus

/// Closes periods on one machine: plans from the consumer's partition states (`ClosePlan`) and
/// runs the plan (`CloseExecutor`) with the steps below.
///
/// Runs on the consumer thread (it needs the partition states; xlsx and delivery block, which
/// is fine there and never on the cooperative pool). The sequence makes a crash at any point
/// harmless:
/// 1. write the close journal (closed-at instant, offsets) unless one exists — reruns reuse it;
/// 2. mark the period closed in every partition state and checkpoint them durably — from here
///    on its events are late and billed on the next invoice;
/// 3. render, write and deliver the files from the frozen aggregates (idempotent: identical
///    files are left as they are), then mark the journal done.
/// On start, journals not done are finished by `resumePending`.
final class PeriodCloser {
    let engine: BillingEngine
    let context: InvoicingContext
    let invoicesDir: String
    let delivery: InvoiceDelivery?
    let graceMs: Int64
    /// When set, new journals record this instant instead of the wall clock (see
    /// `periods.pinned_closed_at`); readiness still uses the wall clock.
    let pinnedClosedAtMs: Int64?
    let metrics: DaemonMetrics
    let logger: Logger
    /// Commits offsets made durable by the checkpoint of step 2.
    let commit: ([PartitionKey: Int64]) -> Void
    /// Whether a partition is idle (caught up): its readiness uses the wall clock.
    let isIdle: (PartitionKey) -> Bool

    init(
        engine: BillingEngine, context: InvoicingContext, invoicesDir: String, delivery: InvoiceDelivery?,
        graceMs: Int64,
        metrics: DaemonMetrics, logger: Logger, pinnedClosedAtMs: Int64? = nil,
        commit: @escaping ([PartitionKey: Int64]) -> Void,
        isIdle: @escaping (PartitionKey) -> Bool
    ) {
        self.engine = engine
        self.context = context
        self.invoicesDir = invoicesDir
        self.delivery = delivery
        self.graceMs = graceMs
        self.pinnedClosedAtMs = pinnedClosedAtMs
        self.metrics = metrics
        self.logger = logger
        self.commit = commit
        self.isIdle = isIdle
    }

    var stateDir: String { engine.settings.stateDir }

    /// Closes what `scope` names; problems are reported per (OB, period), not thrown, except
    /// a failed checkpoint (then nothing more is closed).
    func close(_ scope: CloseScope, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) throws -> CloseReport {
        // Everything consumed so far is durable before anything is frozen.
        commit(try engine.checkpoint())
        let merged = try engine.mergedState()
        let plan = ClosePlan(scope: scope, facts: facts(scope, merged: merged, nowMs: nowMs))
        return try executor.run(plan, steps: self, state: merged, closedAtMs: pinnedClosedAtMs ?? nowMs)
    }

    /// The plan's facts on this machine: the assigned partitions' progress, the consumer's
    /// idleness, and the periods closed in the merged state (recorded and finished alike).
    func facts(_ scope: CloseScope, merged: PartitionState, nowMs: Int64) -> ClosePlan.Facts {
        let periods = ClosePlan.Key.periods(in: merged)
        var closed = Set(periods.filter { merged.isClosed(ob: $0.ob, period: $0.period) })
        if case .period(let text, let ob?, _) = scope, let period = Period(text),
            merged.isClosed(ob: ob, period: period)
        {
            closed.insert(ClosePlan.Key(ob: ob, period: period))
        }
        let partitions = engine.progress.map {
            ClosePlan.Partition($0.key, in: merged, nextOffset: $0.nextOffset, idle: isIdle($0.key))
        }
        return ClosePlan.Facts(
            periods: periods, zones: merged.zones, partitions: partitions, recorded: closed, finished: closed,
            graceMs: graceMs, nowMs: nowMs)
    }

    var executor: CloseExecutor {
        CloseExecutor(
            issuer: InvoiceIssuer(
                context: context, invoicesDir: invoicesDir, delivery: delivery, metrics: metrics, logger: logger),
            metrics: metrics, logger: logger)
    }

    /// Finishes closes a crash interrupted after their period was frozen (step 2 durable).
    func resumePending() throws -> [CloseReport.Invoice] {
        let pending = try CloseJournal.all(stateDir: stateDir).filter { !$0.done }
        guard !pending.isEmpty else { return [] }
        let merged = try engine.mergedState()
        var done: [CloseReport.Invoice] = []
        for journal in pending {
            guard let period = Period(journal.period), merged.isClosed(ob: journal.ob, period: period) else { continue }
            done.append(try executor.issue(journal, from: merged, steps: self))
        }
        return done
    }
}

extension PeriodCloser: CloseSteps {
    /// 1. Journals (first recorded instant wins).
    func record(_ targets: [ClosePlan.Target], offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64) throws
        -> [CloseJournal]
    {
        try targets.map { target in
            let name = target.period.description
            if let existing = try CloseJournal.load(stateDir: stateDir, ob: target.ob, period: name) { return existing }
            let journal = CloseJournal(
                ob: target.ob, period: name, closedAtMs: closedAtMs, forced: target.forced, offsets: offsets,
                done: false)
            try journal.save(stateDir: stateDir)
            return journal
        }
    }

    /// 2. Freeze: mark closed everywhere, durably; the invoices come from the state planned from.
    func freeze(_ targets: [ClosePlan.Target], records: [CloseJournal], state: PartitionState) throws
        -> CloseExecutor.Freeze
    {
        for target in targets where !state.isClosed(ob: target.ob, period: target.period) {
            engine.markClosed(ob: target.ob, period: target.period)
        }
        commit(try engine.checkpoint())
        return .frozen(state)
    }

    /// 3. After the invoice is written and delivered, the journal is marked done.
    func finish(_ journal: CloseJournal, issue: () throws -> CloseReport.Invoice) throws -> CloseReport.Invoice {
        let invoice = try issue()
        if !journal.done {
            var done = journal
            done.done = true
            try done.save(stateDir: stateDir)
        }
        return invoice
    }
}
