package import Foundation

/// A small workbook of plain tables (a bold header row, then rows of text, integers and
/// amounts), written with the invoice workbook's writer (``XLSXPackage``): deterministic bytes,
/// header rows frozen and repeated on printed pages. Reports use it (`aura-billing reprice
/// --format xlsx`).
package struct TableWorkbook: Sendable {
    /// One cell.
    package enum Cell: Sendable, Hashable {
        case empty
        case text(String)
        case integer(Int64)
        /// An amount shown with the workbook's `amountDecimals`.
        case amount(Money)
    }

    /// One sheet: a header row and data rows.
    package struct Sheet: Sendable {
        package var name: String
        package var header: [String]
        package var rows: [[Cell]]

        package init(name: String, header: [String], rows: [[Cell]]) {
            self.name = name
            self.header = header
            self.rows = rows
        }
    }

    package var title: String
    /// Decimals of the amount number format.
    package var amountDecimals: Int
    package var sheets: [Sheet]

    package init(title: String, amountDecimals: Int, sheets: [Sheet]) {
        self.title = title
        self.amountDecimals = amountDecimals
        self.sheets = sheets
    }

    /// The `.xlsx` bytes; `created` is recorded as the document's creation instant.
    package func data(created: Date) throws(InvoicingError) -> Data {
        var package = XLSXPackage(
            amountDecimals: amountDecimals, title: title, createdW3CDTF: InvoiceWorkbook.utcString(created),
            entryDate: Date(timeIntervalSince1970: created.timeIntervalSince1970.rounded(.down)))
        package.sheets = sheets.map { sheet in
            var xml = WorksheetXML(freezeHeader: true)
            xml.append(sheet.header.map(SheetCell.label))
            for row in sheet.rows {
                xml.append(
                    row.map { cell in
                        switch cell {
                        case .empty: .empty
                        case .text(let text): .text(text)
                        case .integer(let value): .integer(value)
                        case .amount(let money): .amount(money)
                        }
                    })
            }
            return XLSXPackage.Sheet(name: sheet.name, xml: xml.render(), printTitleRows: 1)
        }
        return try package.data()
    }
}
