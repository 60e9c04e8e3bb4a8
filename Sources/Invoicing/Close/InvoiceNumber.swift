public import Foundation

/// An invoice number, `<prefix>-<YYYY>-<NNNNNN>` (`AURA-2026-000042`): one sequence per issuer
/// prefix (the catalog's `invoice_prefix`) and calendar year of the issue date, starting at 1.
/// Assigned when a close is first recorded and stored with it (the close journal or the close
/// request), so reruns reuse it; a revision prints it with `-rN` (``display(revision:)``).
public struct InvoiceNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Prefix used when the catalog sets no `invoice_prefix` (the invoice then says so).
    public static let defaultPrefix = "AURA"

    public var prefix: String
    public var year: Int
    public var sequence: Int

    public init(prefix: String, year: Int, sequence: Int) {
        self.prefix = prefix
        self.year = year
        self.sequence = sequence
    }

    /// Parses `PREFIX-YYYY-NNNNNN` (the prefix may contain `-`); nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let sequence = Int(parts[parts.count - 1]), sequence > 0,
            parts[parts.count - 1].count >= 6, parts[parts.count - 1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            parts[parts.count - 2].count == 4, let year = Int(parts[parts.count - 2])
        else { return nil }
        let prefix = parts.dropLast(2).joined(separator: "-")
        guard TariffCatalogParser.isInvoicePrefix(prefix) else { return nil }
        self.init(prefix: prefix, year: year, sequence: sequence)
    }

    /// `AURA-2026-000042`.
    public var description: String {
        let digits = String(sequence)
        return "\(prefix)-\(year)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    /// The number printed on revision `revision`: `AURA-2026-000042`, `AURA-2026-000042-r2`.
    public func display(revision: Int) -> String {
        revision > 1 ? "\(description)-r\(revision)" : description
    }

    /// The number after the highest of `existing` with the same prefix and year (sequence 1 when
    /// none): numbers are handed out in the order closes are recorded, never repeated or skipped.
    public static func next(prefix: String, year: Int, after existing: some Sequence<InvoiceNumber>) -> InvoiceNumber {
        let highest = existing.filter { $0.prefix == prefix && $0.year == year }.map(\.sequence).max() ?? 0
        return InvoiceNumber(prefix: prefix, year: year, sequence: highest + 1)
    }

    /// The UTC calendar year of `date` (the issue date's year).
    public static func year(of date: Date) -> Int {
        Int(InvoiceWorkbook.utcString(date).prefix(4)) ?? 1970
    }

    public static func < (a: InvoiceNumber, b: InvoiceNumber) -> Bool {
        (a.prefix, a.year, a.sequence) < (b.prefix, b.year, b.sequence)
    }
}
