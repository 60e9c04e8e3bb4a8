public import Foundation

/// `manifest.json` beside each workbook (docs/spec.md §7): inputs, catalog, counts, totals, workbook hash.
public struct InvoiceManifest: Codable, Sendable, Hashable {
    /// The catalog that priced the invoice.
    public struct CatalogReference: Codable, Sendable, Hashable {
        public var version: String
        public var sha256: String
        /// File name of the catalog (no directory, so manifests do not depend on the install path).
        public var file: String
    }

    /// What went into the invoice; its canonical JSON's SHA-256 is the Summary's "Inputs digest".
    public struct Inputs: Codable, Sendable, Hashable {
        public var offsets: [InvoiceInputs.OffsetRange]
        public var files: [InvoiceInputs.InputFile]
        public var catalog: CatalogReference
    }

    /// Amounts as exact decimal strings with the currency's decimals.
    public struct Totals: Codable, Sendable, Hashable {
        public var currency: String
        public var components: String
        public var requests: String
        public var monthlyFee: String
        public var adjustments: String
        public var minimum: String
        public var minimumTopUp: String
        public var total: String
        public var totalQueries: Int64
        public var totalRequests: Int64

        enum CodingKeys: String, CodingKey {
            case currency, components, requests, adjustments, minimum, total
            case monthlyFee = "monthly_fee"
            case minimumTopUp = "minimum_top_up"
            case totalQueries = "total_queries"
            case totalRequests = "total_requests"
        }
    }

    public var formatVersion: Int = 1
    public var ob: String
    public var period: String
    /// 1 for the first invoice, 2 for `-r2`...
    public var revision: Int
    /// File name of the workbook in the same directory.
    public var workbook: String
    public var workbookSHA256: String
    public var inputs: Inputs
    public var inputsDigest: String
    public var counts: InvoiceInput.Counts
    public var totals: Totals
    public var forced: Bool
    /// UTC instant the close was first recorded (`2026-11-01T00:05:00Z`).
    public var closedAt: String
    /// The number printed on this revision (`AURA-2026-000042`, `AURA-2026-000042-r2`); absent
    /// for closes recorded before invoice numbering.
    public var invoiceNumber: String?
    /// The invoice's issue date (`YYYY-MM-DD`, the UTC date of `closedAt`).
    public var issueDate: String?
    /// Issue date + the catalog's payment terms; absent when the catalog sets none.
    public var dueDate: String?

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case ob, period, revision, workbook
        case workbookSHA256 = "workbook_sha256"
        case inputs
        case inputsDigest = "inputs_digest"
        case counts, totals, forced
        case closedAt = "closed_at"
        case invoiceNumber = "invoice_number"
        case issueDate = "issue_date"
        case dueDate = "due_date"
    }

    /// Pretty, key-sorted JSON (deterministic) with a trailing newline.
    public func encoded() throws(InvoicingError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(self)
            data.append(0x0A)
            return data
        } catch {
            throw InvoicingError(.io, "cannot encode the manifest: \(error)")
        }
    }

    /// Parses a manifest file's bytes.
    public static func decode(_ data: Data, source: String) throws(InvoicingError) -> InvoiceManifest {
        do {
            return try JSONDecoder().decode(InvoiceManifest.self, from: data)
        } catch {
            throw InvoicingError(.verification, "unreadable manifest: \(error)", source: source)
        }
    }

    /// SHA-256 (hex) of the compact, key-sorted JSON of `inputs`.
    public static func digest(of inputs: Inputs) throws(InvoicingError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Digest.sha256Hex(try encoder.encode(inputs))
        } catch {
            throw InvoicingError(.io, "cannot encode the manifest inputs: \(error)")
        }
    }
}
