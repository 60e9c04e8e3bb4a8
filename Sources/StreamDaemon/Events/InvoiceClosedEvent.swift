import Avro
import Foundation
import Invoicing

/// The `InvoiceClosed` event: one delivered invoice revision, announced to other systems
/// (docs/events.md). Made from the revision's manifest and where delivery put its files, so
/// every resend — after a crash, from another instance — carries byte-identical content and the
/// same `idempotencyKey` (`<OB>-<YYYY-MM>-r<revision>`): a receiver drops repeats by that key.
///
/// Sent as JSON to `events.webhook_url` and as Avro (deploy/schemas/InvoiceClosed.avsc, field
/// order as declared there) to `events.topic`.
struct InvoiceClosedEvent: Codable, Sendable, Equatable {
    /// Always `InvoiceClosed`.
    var eventType = "InvoiceClosed"
    /// `<OB>-<YYYY-MM>-r<revision>`: the same on every resend of this revision.
    var idempotencyKey: String
    var ob: String
    /// `YYYY-MM`.
    var period: String
    /// 1 for the first invoice, N for `-rN`.
    var revision: Int
    /// The number printed on this revision; absent for closes recorded before invoice numbering.
    var invoiceNumber: String?
    var currency: String
    /// The invoice total as an exact decimal string with the currency's decimals (`1234.50`).
    var total: String
    var totalQueries: Int64
    var totalRequests: Int64
    /// `YYYY-MM-DD`; absent for closes recorded before invoice numbering.
    var issueDate: String?
    /// `YYYY-MM-DD`; absent when the catalog sets no payment terms.
    var dueDate: String?
    /// UTC instant the close was first recorded (`2026-11-01T00:05:00Z`).
    var closedAt: String
    var forced: Bool
    /// Where the workbook was delivered: a path (`delivery.kind: directory`) or a blob URL
    /// without credentials (`azure`).
    var workbook: String
    /// Where the manifest was delivered, likewise.
    var manifest: String
    var workbookSHA256: String
    /// SHA-256 of the manifest file's bytes.
    var manifestSHA256: String
    /// The manifest's `inputs_digest` (the Summary's "Inputs digest").
    var inputsDigest: String

    enum CodingKeys: String, CodingKey {
        case eventType = "event_type"
        case idempotencyKey = "idempotency_key"
        case ob, period, revision
        case invoiceNumber = "invoice_number"
        case currency, total
        case totalQueries = "total_queries"
        case totalRequests = "total_requests"
        case issueDate = "issue_date"
        case dueDate = "due_date"
        case closedAt = "closed_at"
        case forced, workbook, manifest
        case workbookSHA256 = "workbook_sha256"
        case manifestSHA256 = "manifest_sha256"
        case inputsDigest = "inputs_digest"
    }

    /// `<OB>-<YYYY-MM>-r<revision>`.
    static func idempotencyKey(ob: String, period: String, revision: Int) -> String {
        "\(ob)-\(period)-r\(revision)"
    }

    /// The Kafka key of the event: `<OB>-<YYYY-MM>` (every revision of a period on one partition).
    var kafkaKey: String { "\(ob)-\(period)" }

    /// The event of the revision `m` describes, whose files delivery put at `workbookLocation`
    /// and `manifestLocation`.
    init(of m: InvoiceManifest, workbookLocation: String, manifestLocation: String) throws {
        idempotencyKey = Self.idempotencyKey(ob: m.ob, period: m.period, revision: m.revision)
        ob = m.ob
        period = m.period
        revision = m.revision
        invoiceNumber = m.invoiceNumber
        currency = m.totals.currency
        total = m.totals.total
        totalQueries = m.totals.totalQueries
        totalRequests = m.totals.totalRequests
        issueDate = m.issueDate
        dueDate = m.dueDate
        closedAt = m.closedAt
        forced = m.forced
        workbook = workbookLocation
        manifest = manifestLocation
        workbookSHA256 = m.workbookSHA256
        manifestSHA256 = Digest.sha256Hex(try m.encoded())
        inputsDigest = m.inputsDigest
    }

    /// The webhook body: compact JSON with sorted keys (deterministic, so a resend is
    /// byte-identical and so is its signature).
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Parses an event written by `json()`; `source` names the file in the error.
    static func decode(_ data: Data, source: String) throws -> InvoiceClosedEvent {
        do {
            return try JSONDecoder().decode(InvoiceClosedEvent.self, from: data)
        } catch {
            throw DaemonError(.event, "unreadable invoice event: \(error)", source: source)
        }
    }

    /// The Avro binary body, fields in the order of deploy/schemas/InvoiceClosed.avsc.
    func avro() -> [UInt8] {
        var writer = AvroBinaryWriter()
        writer.string(eventType)
        writer.string(idempotencyKey)
        writer.string(ob)
        writer.string(period)
        writer.long(Int64(revision))
        writer.optionalString(invoiceNumber)
        writer.string(currency)
        writer.string(total)
        writer.long(totalQueries)
        writer.long(totalRequests)
        writer.optionalString(issueDate)
        writer.optionalString(dueDate)
        writer.string(closedAt)
        writer.boolean(forced)
        writer.string(workbook)
        writer.string(manifest)
        writer.string(workbookSHA256)
        writer.string(manifestSHA256)
        writer.string(inputsDigest)
        return writer.bytes
    }

    /// The Kafka value: Confluent wire format — magic byte 0, the 4-byte big-endian schema id,
    /// then the Avro body.
    func confluentFrame(schemaID: Int32) -> [UInt8] {
        let id = UInt32(bitPattern: schemaID)
        return [
            0, UInt8(truncatingIfNeeded: id >> 24), UInt8(truncatingIfNeeded: id >> 16),
            UInt8(truncatingIfNeeded: id >> 8), UInt8(truncatingIfNeeded: id),
        ] + avro()
    }
}
