package import Foundation
import Invoicing

extension RepriceReport {
    /// The report as a small workbook: a Lines sheet (one row per invoice line) and a Totals
    /// sheet (one row per currency). Amounts are numbers; a missing side is blank.
    package func workbook() throws -> Data {
        func amount(_ text: String?) throws -> TableWorkbook.Cell {
            guard let text else { return .empty }
            return .amount(try Money(parsing: text))
        }
        var lines: [[TableWorkbook.Cell]] = []
        var decimals = 0
        for invoice in invoices {
            for code in [invoice.issuedCurrency, invoice.candidateCurrency].compactMap({ $0 }) {
                decimals = max(decimals, Currency(code: code)?.minorUnit ?? 0)
            }
            for line in invoice.lines {
                lines.append([
                    .text(invoice.ob), .text(invoice.period), .text(invoice.status), .text(Self.label(line)),
                    line.quantity.map(TableWorkbook.Cell.integer) ?? .empty,
                    invoice.issuedCurrency.map(TableWorkbook.Cell.text) ?? .empty, try amount(line.issued),
                    invoice.candidateCurrency.map(TableWorkbook.Cell.text) ?? .empty, try amount(line.candidate),
                    try amount(line.difference),
                ])
            }
        }
        let totals = try self.totals.map { total -> [TableWorkbook.Cell] in
            [
                .text(total.currency), try amount(total.issued), try amount(total.candidate),
                try amount(total.difference),
            ]
        }
        let book = TableWorkbook(
            title: "Aura what-if pricing \(period)", amountDecimals: decimals,
            sheets: [
                .init(
                    name: "Lines",
                    header: [
                        "OB", "Period", "Status", "Line", "Quantity", "Issued currency", "Issued", "Candidate currency",
                        "Candidate", "Difference",
                    ], rows: lines),
                .init(name: "Totals", header: ["Currency", "Issued", "Candidate", "Difference"], rows: totals),
                .init(
                    name: "Sources", header: ["OB", "Period", "Issued from", "Errors"],
                    rows: invoices.map {
                        [
                            .text($0.ob), .text($0.period), .text($0.issuedFrom),
                            .text($0.errors.joined(separator: "; ")),
                        ]
                    }),
            ])
        // A fixed instant: the same report gives the same bytes.
        return try book.data(created: Date(timeIntervalSince1970: 0))
    }
}
