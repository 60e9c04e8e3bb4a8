import Foundation
import Invoicing

/// Hands out invoice numbers when closes are first recorded (docs/README-invoice.md,
/// "Numbering"): `<prefix>-<YYYY>-<NNNNNN>`, one sequence per prefix (the catalog's
/// `invoice_prefix` effective for the period, `AURA` when unset) and UTC year of the close
/// instant (the issue date's year), in the order closes are recorded. The number is stored in
/// the close's durable record (journal or close request) with its closed-at instant, so a rerun,
/// a crash or a racing closer reuses it and nothing is ever numbered twice or skipped.
enum InvoiceNumbering {
    /// The prefix of (the catalog effective for) `period`.
    static func prefix(catalogs: TariffCatalogSet?, period: String) -> String {
        ((try? catalogs?.catalog(for: period))?.invoicePrefix) ?? InvoiceNumber.defaultPrefix
    }

    /// The number of a close of `period` recorded at `closedAtMs`, after `existing` numbers.
    static func next(
        catalogs: TariffCatalogSet?, period: String, closedAtMs: Int64, after existing: some Sequence<InvoiceNumber>
    ) -> InvoiceNumber {
        let closedAt = Date(timeIntervalSince1970: Double(closedAtMs) / 1000)
        return InvoiceNumber.next(
            prefix: prefix(catalogs: catalogs, period: period), year: InvoiceNumber.year(of: closedAt),
            after: existing)
    }

    /// The numbers of every close journal in `stateDir`. Throws when a journal cannot be read:
    /// its number is unknown, so a new one could repeat it.
    static func journalNumbers(stateDir: String) throws -> [InvoiceNumber] {
        var damaged: [String] = []
        let journals = CloseJournal.readable(stateDir: stateDir) { damaged.append("\($0)") }
        guard damaged.isEmpty else {
            throw DaemonError(
                .close,
                "cannot number a new invoice while a close journal is unreadable (its number could be repeated); "
                    + "restore or remove it: \(damaged.joined(separator: "; "))")
        }
        return journals.compactMap { $0.invoiceNumber.flatMap(InvoiceNumber.init) }
    }
}
