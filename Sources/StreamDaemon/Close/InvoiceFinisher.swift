import Aggregation
import Foundation
import Invoicing
import Logging
import Prometheus

/// Prices the frozen aggregates of one (OB, period), writes its workbook and manifest, delivers
/// them, counts and logs the result. Shared by `PeriodCloser` (one machine) and
/// `DistributedCloser` (scale-out); each records "done" its own way afterwards.
///
/// Blocking (xlsx, fsync, delivery): runs on the consumer thread or the blocking pool.
struct InvoiceFinisher {
    let context: InvoicingContext
    let invoicesDir: String
    let delivery: InvoiceDelivery?
    let metrics: DaemonMetrics?
    let logger: Logger

    /// Writes and delivers the invoice of `ob`/`period` from `state` (idempotent: identical
    /// files are left as they are) and returns its report entry.
    func finish(state: PartitionState, ob: String, period text: String, offsets: [InvoiceInputs.OffsetRange],
                forced: Bool, closedAt: Date) throws -> CloseReport.Invoice {
        let snapshot = context.snapshot
        guard let catalogs = snapshot.catalogs else {
            throw DaemonError(.close, "no tariff catalog configured (tariffs.path)")
        }
        guard let period = Period(text) else { throw DaemonError(.close, "bad period \(text)") }
        let input = InvoiceInputBuilder(state: state, names: snapshot.dimensions.names)
            .input(ob: ob, period: period, inputs: InvoiceInputs(offsets: offsets), forced: forced)
        let closed = try InvoiceCloser(invoicesDirectory: invoicesDir, catalogs: catalogs).close(input, closedAt: closedAt)
        if let delivery { _ = try delivery.deliver(closed) }
        let invoice = closed.invoice
        let total = invoice.currency.format(invoice.totals.total)
        if let metrics {
            if closed.written { metrics.periodsClosed.increment() }
            metrics.invoiceTotal(ob: ob, currency: invoice.currency.code).set(to: Double(total) ?? 0)
        }
        logger.notice("invoice closed", metadata: [
            "ob": "\(ob)", "period": "\(text)", "total": "\(total) \(invoice.currency.code)",
            "workbook": "\(closed.workbookPath)", "written": "\(closed.written)",
        ])
        return CloseReport.Invoice(
            ob: ob, period: text, currency: invoice.currency.code, total: total,
            totalQueries: invoice.totalQueries, totalRequests: invoice.totalRequests,
            workbook: closed.workbookPath, revision: closed.revision, written: closed.written, forced: forced
        )
    }
}
