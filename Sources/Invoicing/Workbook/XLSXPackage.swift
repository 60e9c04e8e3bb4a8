import Foundation
import ZIPFoundation

/// Assembles the parts of an Office Open XML workbook and zips them deterministically: fixed entry
/// order, a fixed modification date, deflate; the same sheets give byte-identical bytes.
struct XLSXPackage {
    struct Sheet {
        var name: String
        var xml: String
        /// Rows printed at the top of every page (`1` for a header row), or 0.
        var printTitleRows = 0
    }

    var sheets: [Sheet] = []
    /// Decimals of the invoice currency (amount number format).
    var amountDecimals: Int
    var title: String
    /// ISO-8601 UTC instant written as created/modified in docProps/core.xml.
    var createdW3CDTF: String
    /// Modification date of every zip entry.
    var entryDate: Date

    /// The `.xlsx` bytes.
    func data() throws(InvoicingError) -> Data {
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes()),
            ("_rels/.rels", rootRelationships()),
            ("docProps/app.xml", appProperties()),
            ("docProps/core.xml", coreProperties()),
            ("xl/workbook.xml", workbook()),
            ("xl/_rels/workbook.xml.rels", workbookRelationships()),
            ("xl/styles.xml", XLSXStyles.xml(amountDecimals: amountDecimals)),
        ]
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", sheet.xml))
        }
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (path, text) in parts {
                let bytes = Data(text.utf8)
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(bytes.count),
                    modificationDate: entryDate, permissions: 0o644,
                    compressionMethod: .deflate
                ) { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            guard let data = archive.data else {
                throw InvoicingError(.workbook, "the in-memory archive has no data")
            }
            return data
        } catch let error as InvoicingError {
            throw error
        } catch {
            throw InvoicingError(.workbook, "zip: \(error)")
        }
    }

    private static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"

    private func contentTypes() -> String {
        var xml = Self.header
        xml += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        xml += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
        xml +=
            #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for index in sheets.indices {
            xml +=
                #"<Override PartName="/xl/worksheets/sheet\#(index + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        xml +=
            #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        xml +=
            #"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
        xml +=
            #"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        xml += "</Types>"
        return xml
    }

    private func rootRelationships() -> String {
        Self.header
            + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
            + #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#
            + #"<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>"#
            + "</Relationships>"
    }

    private func appProperties() -> String {
        var xml = Self.header
        xml +=
            #"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#
        xml += "<Application>aura-billing</Application>"
        xml +=
            #"<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>\#(sheets.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>"#
        xml += #"<TitlesOfParts><vt:vector size="\#(sheets.count)" baseType="lpstr">"#
        for sheet in sheets { xml += "<vt:lpstr>\(XMLEscaping.escape(sheet.name))</vt:lpstr>" }
        xml += "</vt:vector></TitlesOfParts></Properties>"
        return xml
    }

    private func coreProperties() -> String {
        var xml = Self.header
        xml +=
            #"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
        xml += "<dc:title>\(XMLEscaping.escape(title))</dc:title>"
        xml += "<dc:creator>aura-billing</dc:creator>"
        xml += #"<dcterms:created xsi:type="dcterms:W3CDTF">\#(createdW3CDTF)</dcterms:created>"#
        xml += #"<dcterms:modified xsi:type="dcterms:W3CDTF">\#(createdW3CDTF)</dcterms:modified>"#
        xml += "</cp:coreProperties>"
        return xml
    }

    private func workbook() -> String {
        var xml = Self.header
        xml +=
            #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        xml += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, sheet) in sheets.enumerated() {
            xml +=
                #"<sheet name="\#(XMLEscaping.escape(sheet.name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        xml += "</sheets>"
        let titled = sheets.enumerated().filter { $0.element.printTitleRows > 0 }
        if !titled.isEmpty {
            xml += "<definedNames>"
            for (index, sheet) in titled {
                let name = "'" + sheet.name.replacingOccurrences(of: "'", with: "''") + "'"
                xml +=
                    #"<definedName name="_xlnm.Print_Titles" localSheetId="\#(index)">\#(XMLEscaping.escape(name))!$1:$\#(sheet.printTitleRows)</definedName>"#
            }
            xml += "</definedNames>"
        }
        xml += "</workbook>"
        return xml
    }

    private func workbookRelationships() -> String {
        var xml = Self.header
        xml += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for index in sheets.indices {
            xml +=
                #"<Relationship Id="rId\#(index + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(index + 1).xml"/>"#
        }
        xml +=
            #"<Relationship Id="rId\#(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
        xml += "</Relationships>"
        return xml
    }
}
