import Foundation
import Invoicing

/// What is recorded about a closed invoice of (OB, period): its latest manifest in the invoices
/// directory and/or its close journal in the state directory. `explain` takes the inputs, the
/// invoice number and the close instant from here and compares its total with the manifest's.
struct ClosedInvoiceRecord: Sendable {
    var manifest: InvoiceManifest?
    var revision: Int?
    var journalOffsets: [InvoiceInputs.OffsetRange]?
    var forced: Bool
    var invoiceNumber: String?
    var closedAt: String?

    /// The inputs the invoice was made from: the manifest's, else the journal's offsets.
    var inputs: InvoiceInputs {
        if let manifest { return InvoiceInputs(offsets: manifest.inputs.offsets, files: manifest.inputs.files) }
        return InvoiceInputs(offsets: journalOffsets ?? [])
    }

    /// The record of (ob, period), nil when neither a manifest nor a journal exists. Blocking
    /// (file reads). Throws on a damaged manifest or journal.
    static func load(invoicesDir: String?, stateDir: String?, ob: String, period: String) throws
        -> ClosedInvoiceRecord?
    {
        let latest = try invoicesDir.flatMap { try InvoiceWriter.latestManifest(in: "\($0)/\(ob)/\(period)") }
        let manifest = latest?.manifest
        let revision = latest?.revision
        let journal = try stateDir.flatMap { try CloseJournal.load(stateDir: $0, ob: ob, period: period) }
        guard manifest != nil || journal != nil else { return nil }
        let closedAt = journal.map { ISO8601DateFormatter().string(from: $0.closedAt) } ?? manifest?.closedAt
        return ClosedInvoiceRecord(
            manifest: manifest, revision: revision, journalOffsets: journal?.offsets,
            forced: manifest?.forced ?? journal?.forced ?? false,
            invoiceNumber: manifest?.invoiceNumber ?? journal?.invoiceNumber, closedAt: closedAt)
    }
}
