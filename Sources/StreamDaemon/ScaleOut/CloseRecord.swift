import Aggregation
import Foundation
import Invoicing

/// A record of the close topic, keyed `<OB>-<YYYY-MM>`: a request to close a period (every
/// instance freezes it in the partitions it owns), or the note that its invoice is written.
///
/// The first request of a key in the log wins: its `closedAtMs`, `forced` and `offsets` are
/// used by every closer, so racing closers and reruns produce byte-identical files.
struct CloseRecord: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case request, done }

    var kind: Kind
    var ob: String
    var period: String
    var closedAtMs: Int64
    var forced: Bool
    /// Who wrote the record (host, process and a random part).
    var requester: String
    /// Source partitions' offset ranges the invoice covers (the manifest's inputs).
    var offsets: [InvoiceInputs.OffsetRange]
    /// The invoice number the requester assigned (`InvoiceNumbering`); a request whose number an
    /// earlier winning request of another key holds does not count (`CloseLog.Summary`). Nil in
    /// records written before invoice numbering.
    var invoiceNumber: String? = nil
    /// The invoice revision a done note records, or a revision request claims (2 for `-r2`, ...);
    /// nil for revision 1 (and in records written before revisions were recorded). A re-close
    /// that writes a new revision of a period already done claims the right to announce it with
    /// a request carrying the revision, and notes it done with a done note carrying it
    /// (`DistributedCloser.Steps.finish`).
    var revision: Int? = nil

    enum CodingKeys: String, CodingKey {
        case kind, ob, period
        case closedAtMs = "closed_at_ms"
        case forced, requester, offsets
        case invoiceNumber = "invoice_number"
        case revision
    }

    var key: String { "\(ob)-\(period)" }
    var closedAt: Date { Date(timeIntervalSince1970: Double(closedAtMs) / 1000) }
}

extension CloseRecord {
    /// Why this record cannot be acted on, or nil: the OB must be three ASCII capital letters,
    /// the period a `YYYY-MM` month, and the Kafka key the record's own `<OB>-<YYYY-MM>`. Every
    /// instance freezes what a request names, so a malformed or mislabelled record is skipped
    /// rather than interned or frozen (who may write the topic is the broker's ACLs' business:
    /// docs/scale-out.md).
    func problem(kafkaKey: [UInt8]) -> String? {
        guard InputLimits.isOBCode(ob) else {
            return "OB \"\(ob.prefix(16))\" is not three capital letters"
        }
        guard let parsed = Period(period), parsed.description == period else {
            return "period \"\(period.prefix(16))\" is not a YYYY-MM month"
        }
        guard kafkaKey == Array(key.utf8) else { return "Kafka key does not match \(key)" }
        if let revision, revision < 1 { return "revision \(revision) is not 1 or more" }
        return nil
    }
}
