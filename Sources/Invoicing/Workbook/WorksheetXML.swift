/// Writes one worksheet's SpreadsheetML (`xl/worksheets/sheetN.xml`) from rows of cells.
struct WorksheetXML {
    var rows: [[SheetCell]] = []
    /// Freeze the first row (header) when true.
    var freezeHeader: Bool
    var minimumWidth = 10
    var maximumWidth = 70
    /// Column widths to use instead of ones computed from the cells (text then overflows into
    /// empty neighbours, as on the Invoice sheet).
    var fixedWidths: [Int]?
    /// Print setup: A4, fit to one page wide (as many pages high as needed), footer
    /// "Page N of M"; landscape when the columns are too wide for portrait.
    var landscape: Bool { printedWidth > 100 }

    /// Sum of the column widths (characters).
    var printedWidth: Int { columnWidths.reduce(0, +) }

    var columnWidths: [Int] {
        if let fixedWidths { return fixedWidths }
        let columnCount = rows.map(\.count).max() ?? 0
        return (0..<columnCount).map { column in
            let widest = rows.map { column < $0.count ? $0[column].displayWidth : 0 }.max() ?? 0
            return min(maximumWidth, max(minimumWidth, widest + 2))
        }
    }

    init(freezeHeader: Bool) { self.freezeHeader = freezeHeader }

    mutating func append(_ row: [SheetCell]) { rows.append(row) }

    /// The worksheet part.
    func render() -> String {
        let columnCount = rows.map(\.count).max() ?? 0
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml +=
            #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        xml += #"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#
        if !rows.isEmpty && columnCount > 0 {
            xml += #"<dimension ref="A1:\#(Self.columnName(columnCount - 1))\#(rows.count)"/>"#
        }
        xml += "<sheetViews><sheetView workbookViewId=\"0\">"
        if freezeHeader {
            xml +=
                #"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>"#
        }
        xml += "</sheetView></sheetViews>"
        xml += #"<sheetFormatPr defaultRowHeight="15"/>"#
        let widths = columnWidths
        if !widths.isEmpty {
            xml += "<cols>"
            for (column, width) in widths.enumerated() {
                xml += #"<col min="\#(column + 1)" max="\#(column + 1)" width="\#(width)" customWidth="1"/>"#
            }
            xml += "</cols>"
        }
        xml += "<sheetData>"
        for (rowIndex, row) in rows.enumerated() {
            let number = rowIndex + 1
            xml += #"<row r="\#(number)">"#
            for (columnIndex, cell) in row.enumerated() {
                let ref = Self.columnName(columnIndex) + String(number)
                xml += Self.cellXML(cell, ref: ref)
            }
            xml += "</row>"
        }
        xml += "</sheetData>"
        xml += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        // paperSize 9 = A4; fitToHeight 0 = as many pages high as the rows need.
        xml +=
            #"<pageSetup paperSize="9" orientation="\#(landscape ? "landscape" : "portrait")" fitToWidth="1" fitToHeight="0"/>"#
        xml += "<headerFooter><oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter></headerFooter>"
        xml += "</worksheet>"
        return xml
    }

    static func cellXML(_ cell: SheetCell, ref: String) -> String {
        let style = cell.styleIndex == 0 ? "" : #" s="\#(cell.styleIndex)""#
        switch cell {
        case .empty:
            return ""
        case .text(let text), .label(let text), .title(let text):
            let space =
                text.first?.isWhitespace == true || text.last?.isWhitespace == true ? #" xml:space="preserve""# : ""
            return #"<c r="\#(ref)"\#(style) t="inlineStr"><is><t\#(space)>\#(XMLEscaping.escape(text))</t></is></c>"#
        case .integer(let value):
            return #"<c r="\#(ref)"\#(style)><v>\#(value)</v></c>"#
        case .amount(let value), .price(let value), .totalAmount(let value):
            return #"<c r="\#(ref)"\#(style)><v>\#(value.formatted(decimals: value.significantDecimals))</v></c>"#
        case .boolean(let value):
            return #"<c r="\#(ref)" t="b"><v>\#(value ? 1 : 0)</v></c>"#
        }
    }

    /// `0 → A`, `25 → Z`, `26 → AA`.
    static func columnName(_ index: Int) -> String {
        var index = index
        var name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }
}
