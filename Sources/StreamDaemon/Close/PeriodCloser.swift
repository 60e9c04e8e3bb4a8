import Aggregation
import Foundation
import Invoicing
import Logging
import Prometheus

/// Closes periods on one machine: plans from the consumer's partition states (`ClosePlan`),
/// records and freezes with `CloseExecutor`, and hands each invoice to the background as an
/// `InvoiceJob` (the input built from the frozen aggregates, a value).
///
/// Runs on the consumer thread (it needs the partition states) and is quick there: the only
/// blocking steps are the journal writes and the checkpoint of the freeze (fsync). Pricing,
/// workbook, manifest, delivery and the journal's done mark run in `InvoiceIssuingService`.
/// The sequence makes a crash at any point harmless:
/// 1. write the close journal (closed-at instant, offsets) unless one exists — reruns reuse it;
/// 2. mark the period closed in every partition state and checkpoint them durably — from here
///    on its events are late and billed on the next invoice;
/// 3. (background) render, write and deliver the files from the frozen aggregates (idempotent:
///    identical files are left as they are), then mark the journal done.
/// On start, journals not done become jobs again (`pendingJobs`).
final class PeriodCloser {
    /// A close frozen on the consumer thread: its report so far (not ready, errors) and the
    /// invoices to issue in the background.
    struct Frozen {
        var report: CloseReport
        var jobs: [InvoiceJob]
    }

    let engine: BillingEngine
    let context: InvoicingContext
    /// Where the invoices of a close go to be issued in the background.
    let invoices: InvoiceQueue
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
        engine: BillingEngine, context: InvoicingContext, invoices: InvoiceQueue, graceMs: Int64,
        metrics: DaemonMetrics, logger: Logger,
        pinnedClosedAtMs: Int64? = nil, commit: @escaping ([PartitionKey: Int64]) -> Void,
        isIdle: @escaping (PartitionKey) -> Bool
    ) {
        self.engine = engine
        self.context = context
        self.invoices = invoices
        self.graceMs = graceMs
        self.pinnedClosedAtMs = pinnedClosedAtMs
        self.metrics = metrics
        self.logger = logger
        self.commit = commit
        self.isIdle = isIdle
    }

    var stateDir: String { engine.settings.stateDir }

    static func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Plans, records and freezes what `scope` names and builds the invoices to issue; problems
    /// are reported per (OB, period), not thrown, except a failed journal write or checkpoint
    /// (then nothing more is closed).
    func close(_ scope: CloseScope, nowMs: Int64 = PeriodCloser.wallClockMs()) throws -> Frozen {
        // Everything consumed so far is durable before anything is frozen. This checkpoint and
        // the freeze's are the close's only fsyncs on the consumer thread.
        commit(try engine.checkpoint())
        // The plan reads no dedup key, so it is made from a merge without them; most auto-close
        // checks take nothing, and the full merge — every partition's keys, the bulk of the
        // state, allocated and freed at each check — is made only when there is a close to freeze.
        var merged = try engine.mergedState(keys: false)
        let facts = facts(scope, merged: merged, nowMs: nowMs)
        let plan = ClosePlan(scope: scope, facts: facts)
        let taken = Set(plan.targets.map { ClosePlan.Key(ob: $0.ob, period: $0.period) })
        metrics.periodsReady.set(to: Double(ClosePlan.readyKeys(facts).subtracting(taken).count))
        if !plan.targets.isEmpty { merged = try engine.mergedState() }
        let frozen = try CloseExecutor.freeze(
            plan, steps: self, state: merged, closedAtMs: pinnedClosedAtMs ?? nowMs)
        var result = Frozen(report: frozen.report, jobs: [])
        guard let state = frozen.state else { return result }
        let names = context.snapshot.dimensions.names
        for journal in frozen.records {
            do {
                result.jobs.append(
                    InvoiceJob(
                        journal: journal, input: try InvoiceInputBuilder.input(of: journal, from: state, names: names)))
            } catch {
                result.report.errors.append("\(journal.ob) \(journal.period): \(error)")
            }
        }
        return result
    }

    /// Sets `aura_periods_ready_to_close` without closing (auto-close off): the (OB, period)
    /// pairs that are ready and not closed.
    func updateReadyGauge(nowMs: Int64 = PeriodCloser.wallClockMs()) throws {
        let merged = try engine.mergedState(keys: false)
        metrics.periodsReady.set(to: Double(ClosePlan.readyKeys(facts(.ready, merged: merged, nowMs: nowMs)).count))
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
            graceMs: graceMs, nowMs: nowMs,
            retired: ClosePlan.retired(
                scope, candidates: closed, merged: merged, horizonMs: engine.settings.lateHorizonMs))
    }

    /// The invoices of closes a crash interrupted after their period was frozen (step 2 durable,
    /// journal not done), built from the merged state; they are issued in the background. A
    /// journal that cannot be read is logged and left out (new closes refuse to number invoices
    /// until it is restored or removed: `InvoiceNumbering.journalNumbers`).
    func pendingJobs() throws -> [InvoiceJob] {
        let pending = CloseJournal.readable(stateDir: stateDir) { error in
            logger.error("cannot read a close journal; close its period again", metadata: ["error": "\(error)"])
        }.filter { !$0.done }
        guard !pending.isEmpty else { return [] }
        let merged = try engine.mergedState()
        let names = context.snapshot.dimensions.names
        return try pending.compactMap { journal in
            guard let period = Period(journal.period), merged.isClosed(ob: journal.ob, period: period) else {
                return nil
            }
            if let horizon = engine.settings.lateHorizonMs,
                merged.isBeyondLateHorizon(ob: journal.ob, period: period, horizonMs: horizon)
            {
                logger.error(
                    "an unfinished close is past its late horizon: its detail is compacted, no invoice is rendered",
                    metadata: ["ob": "\(journal.ob)", "period": "\(journal.period)"])
                return nil
            }
            return InvoiceJob(
                journal: journal, input: try InvoiceInputBuilder.input(of: journal, from: merged, names: names))
        }
    }
}

extension PeriodCloser: CloseSteps {
    /// 1. Journals (first recorded instant and invoice number win). A new journal gets the next
    /// invoice number after every journal's (`InvoiceNumbering`), in target order; it is durable
    /// before the period is frozen, so a crash before the write hands the same number out again
    /// and a crash after it keeps it.
    func record(_ targets: [ClosePlan.Target], offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64) throws
        -> [CloseJournal]
    {
        var numbers: [InvoiceNumber]?
        return try targets.map { target in
            try CloseJournal.recordOnce(
                ob: target.ob, period: target.period.description, forced: target.forced, offsets: offsets,
                closedAtMs: closedAtMs, catalogs: context.snapshot.catalogs, stateDir: stateDir, numbers: &numbers)
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
}
