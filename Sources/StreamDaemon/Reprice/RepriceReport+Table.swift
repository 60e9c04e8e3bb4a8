extension RepriceReport {
    /// Labels of the invoice-level line kinds in the table and workbook.
    static let kindLabels = [
        "requests": "requests", "monthly_fee": "monthly fee", "adjustments": "adjustments",
        "minimum_top_up": "minimum top-up", "total": "TOTAL",
    ]

    /// The label of a line: its component ID, or the invoice-level amount it is.
    static func label(_ line: Line) -> String {
        line.component ?? kindLabels[line.kind] ?? line.kind
    }

    /// A plain-text table: one block per (OB, period), then the totals per currency.
    package func table() -> String {
        var out = "What-if pricing \(period): candidate catalog \(candidateCatalog)"
        out += candidateVersion.map { " (version \($0))" } ?? ""
        out += "\nNothing was closed, written, numbered or delivered.\n"
        if invoices.isEmpty { out += "\nNo usage in \(period).\n" }
        for invoice in invoices {
            out += "\n\(invoice.ob) \(invoice.period) \(invoice.status): issued = \(invoice.issuedFrom)\n"
            let issued = "issued" + (invoice.issuedCurrency.map { " \($0)" } ?? "")
            let candidate = "candidate" + (invoice.candidateCurrency.map { " \($0)" } ?? "")
            var rows = [["line", "quantity", issued, candidate, "difference"]]
            for line in invoice.lines {
                rows.append([
                    Self.label(line), line.quantity.map(String.init) ?? "", line.issued ?? "-", line.candidate ?? "-",
                    line.difference ?? (line.issued != nil && line.candidate != nil ? "n/a" : "-"),
                ])
            }
            out += Self.align(rows, indent: "  ")
            if invoice.issuedCurrency != nil, invoice.candidateCurrency != nil,
                invoice.issuedCurrency != invoice.candidateCurrency
            {
                out +=
                    "  currency changes from \(invoice.issuedCurrency!) to \(invoice.candidateCurrency!): no difference per line\n"
            }
            for error in invoice.errors { out += "  error: \(error)\n" }
        }
        if !totals.isEmpty {
            out += "\nTotals per currency\n"
            var rows = [["currency", "issued", "candidate", "difference"]]
            for total in totals { rows.append([total.currency, total.issued, total.candidate, total.difference]) }
            out += Self.align(rows, indent: "  ")
        }
        return out
    }

    /// Rows as columns: the first column left-aligned, the others right-aligned.
    static func align(_ rows: [[String]], indent: String) -> String {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0..<count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            indent
                + row.enumerated().map { column, cell in
                    let pad = String(repeating: " ", count: widths[column] - cell.count)
                    return column == 0 ? cell + pad : pad + cell
                }.joined(separator: "  ") + "\n"
        }.joined()
    }
}
