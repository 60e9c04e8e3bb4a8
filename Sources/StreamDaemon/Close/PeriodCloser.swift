import Aggregation
import Foundation
import Invoicing
import Logging
import Prometheus

/// Closes periods: freezes the aggregates, prices them, writes workbook and manifest, delivers.
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

    init(engine: BillingEngine, context: InvoicingContext, invoicesDir: String, delivery: InvoiceDelivery?, graceMs: Int64,
         metrics: DaemonMetrics, logger: Logger, pinnedClosedAtMs: Int64? = nil, commit: @escaping ([PartitionKey: Int64]) -> Void,
         isIdle: @escaping (PartitionKey) -> Bool) {
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
        var report = CloseReport()
        // Everything consumed so far is durable before anything is frozen.
        commit(try engine.checkpoint())
        let merged = try engine.mergedState()
        let progress = engine.progress
        let keys = progress.map { $0.key }
        let idle = Set(progress.filter { isIdle($0.key) }.map { $0.key })

        var targets: [(ob: String, period: Period, forced: Bool)] = []
        switch scope {
        case .ready:
            for (ob, period) in merged.periods() where !merged.isClosed(ob: ob, period: period) {
                if merged.readyToClose(ob: ob, period: period, graceMs: graceMs, nowMs: nowMs, assigned: keys, isIdle: { idle.contains($0) }) {
                    targets.append((ob, period, false))
                }
            }
        case .period(let text, let only, let force):
            guard let period = Period(text) else {
                report.errors.append("\(text): not a period (YYYY-MM)")
                return report
            }
            let obs = only.map { [$0] } ?? Array(Set(merged.periods().filter { $0.period == period }.map(\.ob))).sorted()
            for ob in obs {
                if merged.isClosed(ob: ob, period: period) {
                    // Already closed: a second close rewrites nothing (idempotent) and returns the same files.
                    targets.append((ob, period, false))
                } else {
                    let ready = merged.readyToClose(ob: ob, period: period, graceMs: graceMs, nowMs: nowMs, assigned: keys, isIdle: { idle.contains($0) })
                    if ready || force {
                        targets.append((ob, period, !ready))
                    } else {
                        report.notReady.append("\(ob) \(period)")
                    }
                }
            }
        }
        guard !targets.isEmpty else { return report }

        // 1. Journals (first recorded instant wins).
        var journals: [CloseJournal] = []
        let offsets = progress.filter { $0.nextOffset >= 0 }.map {
            InvoiceInputs.OffsetRange(topic: $0.key.topic, partition: $0.key.partition, firstOffset: 0, lastOffset: $0.nextOffset - 1)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        for target in targets {
            let name = target.period.description
            if let existing = try CloseJournal.load(stateDir: stateDir, ob: target.ob, period: name) {
                journals.append(existing)
            } else {
                let journal = CloseJournal(ob: target.ob, period: name, closedAtMs: pinnedClosedAtMs ?? nowMs, forced: target.forced, offsets: offsets, done: false)
                try journal.save(stateDir: stateDir)
                journals.append(journal)
            }
        }
        // 2. Freeze: mark closed everywhere, durably.
        for target in targets where !merged.isClosed(ob: target.ob, period: target.period) {
            engine.markClosed(ob: target.ob, period: target.period)
        }
        commit(try engine.checkpoint())
        // 3. Render, write, deliver.
        for journal in journals {
            do {
                report.closed.append(try finish(journal, state: merged))
            } catch {
                metrics.closeFailures.increment()
                logger.error("close failed", metadata: ["ob": "\(journal.ob)", "period": "\(journal.period)", "error": "\(error)"])
                report.errors.append("\(journal.ob) \(journal.period): \(error)")
            }
        }
        return report
    }

    /// Writes and delivers the invoice of a journaled close from the frozen aggregates in `state`.
    func finish(_ journal: CloseJournal, state: PartitionState) throws -> CloseReport.Invoice {
        let invoice = try InvoiceFinisher(context: context, invoicesDir: invoicesDir, delivery: delivery, metrics: metrics, logger: logger)
            .finish(state: state, ob: journal.ob, period: journal.period, offsets: journal.offsets, forced: journal.forced, closedAt: journal.closedAt)
        if !journal.done {
            var done = journal
            done.done = true
            try done.save(stateDir: stateDir)
        }
        return invoice
    }

    /// Finishes closes a crash interrupted after their period was frozen (step 2 durable).
    func resumePending() throws -> [CloseReport.Invoice] {
        let pending = try CloseJournal.all(stateDir: stateDir).filter { !$0.done }
        guard !pending.isEmpty else { return [] }
        let merged = try engine.mergedState()
        var done: [CloseReport.Invoice] = []
        for journal in pending {
            guard let period = Period(journal.period), merged.isClosed(ob: journal.ob, period: period) else { continue }
            done.append(try finish(journal, state: merged))
        }
        return done
    }
}
