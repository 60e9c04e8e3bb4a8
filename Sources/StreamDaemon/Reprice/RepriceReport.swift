package import Foundation

/// What `aura-billing reprice` shows: per (OB, period) the issued amounts next to the amounts
/// under a candidate catalog, line by line, and the totals per currency. Amounts are decimal
/// strings in their currency's minor unit; a difference is candidate − issued, given only when
/// both sides exist in the same currency.
package struct RepriceReport: Codable, Sendable, Equatable {
    /// One line of an invoice: a component, or one of the invoice-level amounts.
    package struct Line: Codable, Sendable, Equatable {
        /// `component`, `requests`, `monthly_fee`, `adjustments`, `minimum_top_up` or `total`.
        package var kind: String
        /// The component ID (kind `component`).
        package var component: String?
        /// Queries (components) or gateway messages (requests) priced on the line.
        package var quantity: Int64?
        package var issued: String?
        package var candidate: String?
        package var difference: String?
    }

    /// One (OB, period).
    package struct Invoice: Codable, Sendable, Equatable {
        package var ob: String
        package var period: String
        /// `closed` or `open`.
        package var status: String
        /// Where the issued amounts come from (the closed invoice's manifest, or the current
        /// catalog for an open period), in words.
        package var issuedFrom: String
        package var issuedCurrency: String?
        package var candidateCurrency: String?
        package var lines: [Line]
        package var issuedTotal: String?
        package var candidateTotal: String?
        package var difference: String?
        /// Why a side could not be priced (e.g. the candidate has no tariff for the OB).
        package var errors: [String] = []

        enum CodingKeys: String, CodingKey {
            case ob, period, status, lines, difference, errors
            case issuedFrom = "issued_from"
            case issuedCurrency = "issued_currency"
            case candidateCurrency = "candidate_currency"
            case issuedTotal = "issued_total"
            case candidateTotal = "candidate_total"
        }
    }

    /// The sums of the invoices' totals in one currency (an OB whose currency differs between
    /// the catalogs counts in its issued currency on the issued side and in its candidate
    /// currency on the candidate side).
    package struct CurrencyTotal: Codable, Sendable, Equatable {
        package var currency: String
        package var issued: String
        package var candidate: String
        package var difference: String
    }

    package var period: String
    /// The candidate catalog's path and `catalog_version` (of the catalog effective in `period`).
    package var candidateCatalog: String
    package var candidateVersion: String?
    package var invoices: [Invoice]
    package var totals: [CurrencyTotal]

    enum CodingKeys: String, CodingKey {
        case period, invoices, totals
        case candidateCatalog = "candidate_catalog"
        case candidateVersion = "candidate_version"
    }

    /// Pretty-printed JSON with sorted keys, ending in a newline.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}
