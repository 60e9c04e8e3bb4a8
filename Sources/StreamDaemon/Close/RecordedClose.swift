import Foundation
import Invoicing

/// The durable record of one close that fixes what its invoice says: the close journal (one
/// machine) or the winning close request (scale-out). Reruns read it back, so the files come out
/// byte-identical.
protocol RecordedClose {
    var ob: String { get }
    /// `YYYY-MM`.
    var period: String { get }
    /// The instant the close was first recorded.
    var closedAt: Date { get }
    var forced: Bool { get }
    /// The source partitions' offset ranges the invoice covers (the manifest's inputs).
    var offsets: [InvoiceInputs.OffsetRange] { get }
    /// The invoice number recorded with the close (`InvoiceNumbering`); nil when recorded before
    /// invoice numbering.
    var invoiceNumber: String? { get }
}

extension CloseJournal: RecordedClose {}

extension CloseRecord: RecordedClose {}
