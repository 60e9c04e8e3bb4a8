package import Aggregation
package import Foundation
package import Invoicing

/// Closes every (OB, period) a replay saw and writes its invoice (`replay --invoices`, docs/spec.md §10).
///
/// The aggregates are mapped with `InvoiceInputBuilder` exactly as the daemon's close does; the
/// manifest's inputs are the replayed container files (absolute path + SHA-256). "Closed at" is
/// deterministic, so rerunning the same replay rewrites nothing (`InvoiceWriter` leaves identical
/// files alone and no `-r2` appears):
/// 1. with a state directory, the instant recorded by the first close of (OB, period)
///    (`<state>/closes/<OB>-<YYYY-MM>.json`, the daemon's close journal) is reused;
/// 2. otherwise `closedAtOverride` (`--closed-at`), if given;
/// 3. otherwise the instant of the latest event of (OB, period) in the replay (second
///    precision), or the period's end in the OB's zone for a period that only carries late
///    adjustments.
/// Synchronous and blocking (hashing, xlsx, fsync): call it on a blocking thread.
package struct ReplayInvoiceWriter {
    /// One written (or already identical, so left as it was) invoice.
    package struct Line: Sendable, Equatable {
        package var ob: String
        package var period: String
        package var total: String
        package var currency: String
        /// The latest revision's workbook (`-rN` when the inputs changed since an earlier close).
        package var workbookPath: String

        /// `invoice <OB> <YYYY-MM> <total> <currency> <workbook path>`.
        package var text: String { "invoice \(ob) \(period) \(total) \(currency) \(workbookPath)" }
    }

    package let invoicesDirectory: String
    package let catalogs: TariffCatalogSet
    package let names: InvoiceInput.Names
    /// The replay's state directory, where first close instants are recorded; nil records nothing.
    package let stateDirectory: String?
    /// `--closed-at`: used for (OB, period) pairs with no recorded close.
    package let closedAtOverride: Date?

    package init(
        invoicesDirectory: String, catalogs: TariffCatalogSet, names: InvoiceInput.Names,
        stateDirectory: String?, closedAtOverride: Date?
    ) {
        self.invoicesDirectory = invoicesDirectory
        self.catalogs = catalogs
        self.names = names
        self.stateDirectory = stateDirectory
        self.closedAtOverride = closedAtOverride
    }

    /// Closes every (OB, period) of `state` — those with events, plus those late events are
    /// billed in — in (OB, period) order. `files` are the replayed container files (hashed into
    /// the manifests). Returns one line per invoice and one message per invoice that failed.
    package func write(state: PartitionState, files: [String]) throws -> (lines: [Line], errors: [String]) {
        let inputs = InvoiceInputs(files: try files.map { try InvoiceInputs.InputFile(hashing: Self.absolute($0)) })
        let builder = InvoiceInputBuilder(state: state, names: names)
        let writer = InvoiceWriter(invoicesDirectory: invoicesDirectory, catalogs: catalogs)
        var lines: [Line] = []
        var errors: [String] = []
        // Invoice numbers: after the journals' with a state directory, else in this run's order.
        var numbers = try stateDirectory.map { try InvoiceNumbering.journalNumbers(stateDir: $0) } ?? []
        for (ob, period) in Self.targets(state) {
            do {
                let close = try recordedClose(ob: ob, period: period, state: state, numbers: &numbers)
                let closedAt = close.closedAt
                var input = builder.input(ob: ob, period: period, inputs: inputs, forced: false)
                input.invoiceNumber = close.number
                let written = try writer.write(input, closedAt: closedAt)
                let invoice = written.invoice
                lines.append(
                    Line(
                        ob: ob, period: period.description, total: invoice.currency.format(invoice.totals.total),
                        currency: invoice.currency.code, workbookPath: written.workbookPath))
            } catch {
                errors.append("\(ob) \(period): \(error)")
            }
        }
        return (lines, errors)
    }

    /// Every (OB, period) with events, plus every (OB, period) late rows are billed in; sorted.
    package static func targets(_ state: PartitionState) -> [(ob: String, period: Period)] {
        typealias Key = ClosePlan.Key
        var keys = Set(Key.periods(in: state))
        for row in state.allAuditUsage() {
            if let billed = row.billedIn { keys.insert(Key(ob: row.ob, period: billed)) }
        }
        for row in state.allGatewayUsage() {
            if let billed = row.billedIn { keys.insert(Key(ob: row.ob, period: billed)) }
        }
        return keys.sorted().map { ($0.ob, $0.period) }
    }

    /// The close instant of (ob, period) by the rules in the type's comment; records it in the
    /// state directory when it was not recorded yet.
    package func closedAt(ob: String, period: Period, state: PartitionState) throws -> Date {
        var numbers: [InvoiceNumber] = []
        return try recordedClose(ob: ob, period: period, state: state, numbers: &numbers).closedAt
    }

    /// The close instant (see `closedAt`) and invoice number of (ob, period): the journal's when
    /// one is recorded, else new ones (the number after `numbers`, appended to it), recorded in
    /// the state directory when there is one.
    func recordedClose(ob: String, period: Period, state: PartitionState, numbers: inout [InvoiceNumber]) throws
        -> (closedAt: Date, number: InvoiceNumber?)
    {
        let name = period.description
        if let stateDirectory, let journal = try CloseJournal.load(stateDir: stateDirectory, ob: ob, period: name) {
            return (journal.closedAt, journal.invoiceNumber.flatMap(InvoiceNumber.init))
        }
        let ms: Int64
        if let closedAtOverride {
            ms = Int64((closedAtOverride.timeIntervalSince1970 * 1000).rounded(.down))
        } else if let summary = state.summary(ob: ob, period: period) {
            ms = summary.lastEventMs
        } else if let end = state.periodEnd(ob: ob, period: period) {
            ms = end
        } else {
            throw DaemonError(.close, "no event time and no time zone to date the close of \(ob) \(name)")
        }
        // Whole seconds: the workbook and manifest print the instant to the second.
        let seconds = ms >= 0 ? ms / 1000 * 1000 : (ms - 999) / 1000 * 1000
        let number = InvoiceNumbering.next(catalogs: catalogs, period: name, closedAtMs: seconds, after: numbers)
        if let stateDirectory {
            try CloseJournal(
                ob: ob, period: name, closedAtMs: seconds, forced: false, offsets: [], done: true,
                invoiceNumber: number.description
            ).save(stateDir: stateDirectory)
        }
        numbers.append(number)
        return (Date(timeIntervalSince1970: Double(seconds) / 1000), number)
    }

    /// `path` made absolute against the working directory and standardized, so reruns from
    /// another directory record the same inputs.
    package static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
