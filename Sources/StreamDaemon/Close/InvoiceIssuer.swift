import Aggregation
import Foundation
import Invoicing
import Logging
import Prometheus

/// Issues the invoice of one recorded close: prices the frozen aggregates of its (OB, period),
/// writes workbook and manifest (`InvoiceWriter`), delivers them, counts and logs the result.
/// Step 3 of `CloseExecutor`, for one machine and scale-out alike; each records "done" its own
/// way afterwards (`CloseSteps.finish`).
///
/// Blocking (xlsx, fsync, delivery): runs on the issuing thread (`InvoiceIssuingService`) or,
/// scaled out, the blocking pool. Only `issue(_:from:)` reads a partition state.
struct InvoiceIssuer {
    let context: InvoicingContext
    let invoicesDir: String
    let delivery: InvoiceDelivery?
    let metrics: DaemonMetrics?
    let logger: Logger
    /// Where the `InvoiceClosed` event of each delivered revision is stored before the close
    /// is recorded done (`InvoiceEventOutbox`); nil without `events.*`.
    var events: InvoiceEventOutbox? = nil

    /// Decides whether the delivered revision (its argument) is announced: one machine always
    /// (the outbox ignores a key it holds), scaled out from the close topic
    /// (`DistributedCloser.Steps.finish`). Called after delivery, before the close is recorded done.
    typealias Announcing = (_ revision: Int) throws -> Bool

    /// Writes and delivers the invoice of `close` from `state` (idempotent: identical files are
    /// left as they are) and returns its report entry; `announce` as in `issue(_:input:announce:)`.
    func issue(_ close: some RecordedClose, from state: PartitionState, announce: Announcing = { _ in true }) throws
        -> CloseReport.Invoice
    {
        try issue(
            close,
            input: InvoiceInputBuilder.input(of: close, from: state, names: context.snapshot.dimensions.names),
            announce: announce)
    }

    /// Prices `input`, writes workbook and manifest and delivers them (idempotent) and returns
    /// the report entry of `close`. Blocking; no partition state is needed.
    ///
    /// With `events`, the delivered revision's `InvoiceClosed` event is then stored in the
    /// outbox (a repeat of a stored one is ignored) when `announce(revision)` says so — whether
    /// this call wrote the revision or found it in place (a retry after a failed delivery): the
    /// decision comes from the close record, not from "did I write it". It is stored before the
    /// caller records the close done, so a crash in between reissues it.
    func issue(_ close: some RecordedClose, input: InvoiceInput, announce: Announcing = { _ in true }) throws
        -> CloseReport.Invoice
    {
        guard let catalogs = context.snapshot.catalogs else {
            throw DaemonError(.close, "no tariff catalog configured (tariffs.path)")
        }
        let (ob, text, forced) = (close.ob, close.period, close.forced)
        let written = try InvoiceWriter(invoicesDirectory: invoicesDir, catalogs: catalogs).write(
            input, closedAt: close.closedAt)
        let delivered = try delivery?.deliver(written) ?? []
        if let events, try announce(written.revision) {
            let locations = delivered.map { outcome in
                switch outcome {
                case .delivered(let location), .alreadyPresent(let location): location
                }
            }
            try events.add(
                InvoiceClosedEvent(
                    of: written.manifest, workbookLocation: locations.first ?? written.workbookPath,
                    manifestLocation: locations.dropFirst().first ?? written.manifestPath))
        }
        let invoice = written.invoice
        let total = invoice.currency.format(invoice.totals.total)
        if let metrics {
            if written.written { metrics.periodsClosed.increment() }
            metrics.invoiceTotal(ob: ob, currency: invoice.currency.code).set(to: Double(total) ?? 0)
        }
        logger.notice(
            "invoice closed",
            metadata: [
                "ob": "\(ob)", "period": "\(text)", "total": "\(total) \(invoice.currency.code)",
                "workbook": "\(written.workbookPath)", "written": "\(written.written)",
                "number": "\(written.manifest.invoiceNumber ?? "-")",
            ])
        return CloseReport.Invoice(
            ob: ob, period: text, currency: invoice.currency.code, total: total,
            totalQueries: invoice.totalQueries, totalRequests: invoice.totalRequests,
            workbook: written.workbookPath, revision: written.revision, written: written.written, forced: forced
        )
    }
}
