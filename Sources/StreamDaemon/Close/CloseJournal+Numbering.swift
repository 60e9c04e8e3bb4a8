import Foundation
import Invoicing

extension CloseJournal {
    /// The journal of (ob, period): the one recorded earlier (it keeps its closed-at instant and
    /// invoice number), or a new one numbered after `numbers` (`InvoiceNumbering`; read from
    /// every journal in `stateDir` when nil, then kept up to date for the next call) and saved
    /// durably. A crash before the save hands the same number out again; after it, the number is
    /// kept: numbers never repeat and never skip.
    static func recordOnce(
        ob: String, period: String, forced: Bool, offsets: [InvoiceInputs.OffsetRange], closedAtMs: Int64,
        catalogs: TariffCatalogSet?, stateDir: String, numbers: inout [InvoiceNumber]?
    ) throws -> CloseJournal {
        if let existing = try load(stateDir: stateDir, ob: ob, period: period) { return existing }
        var taken = try numbers ?? InvoiceNumbering.journalNumbers(stateDir: stateDir)
        let number = InvoiceNumbering.next(catalogs: catalogs, period: period, closedAtMs: closedAtMs, after: taken)
        let journal = CloseJournal(
            ob: ob, period: period, closedAtMs: closedAtMs, forced: forced, offsets: offsets, done: false,
            invoiceNumber: number.description)
        try journal.save(stateDir: stateDir)
        taken.append(number)
        numbers = taken
        return journal
    }
}
