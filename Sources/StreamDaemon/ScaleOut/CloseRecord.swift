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

    enum CodingKeys: String, CodingKey {
        case kind, ob, period
        case closedAtMs = "closed_at_ms"
        case forced, requester, offsets
    }

    var key: String { "\(ob)-\(period)" }
    var closedAt: Date { Date(timeIntervalSince1970: Double(closedAtMs) / 1000) }
}
