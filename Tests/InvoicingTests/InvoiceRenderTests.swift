import Foundation
import Invoicing
import Testing

/// Prints a workbook the way an OB would (LibreOffice, A4, the workbook's print setup) with
/// `scripts/render-invoice.sh` and reads the PDF back with poppler: no sheet may split across
/// pages sideways. Needs LibreOffice and poppler-utils (`scripts/bootstrap.sh` installs them; the
/// script installs them itself when missing), so it runs, never skips.
@Suite("Invoice workbook printed through LibreOffice")
struct InvoiceRenderTests {
    /// An input whose Usage sheet needs several pages (the header row must repeat on each).
    static func longInput() -> InvoiceInput {
        var input = InvoiceSheetTests.input()
        for index in 0..<240 {
            input.usage.append(
                .init(
                    component: "component-\(index % 20)", app: "app-\(index)", service: "service-\(index % 3)",
                    queries: Int64(1000 + index)))
        }
        return input
    }

    /// Text of page `page` of `pdf` (pdftotext, layout kept).
    static func pageText(_ pdf: String, _ page: Int) throws -> String {
        String(
            decoding: try Subprocess.run(
                "/usr/bin/pdftotext", ["-layout", "-f", "\(page)", "-l", "\(page)", pdf, "-"]),
            as: UTF8.self)
    }

    @Test("every sheet prints one page wide on A4, header rows repeated, page N of M in the footer")
    func onePageWide() throws {
        let root = try TestPaths.temporaryDirectory("render")
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: try InvoiceSheetTests.catalogs())
            .write(Self.longInput(), closedAt: SampleInvoice.closedAt)
        let output = try Subprocess.run(
            "/bin/bash",
            [
                TestPaths.repositoryRoot + "/scripts/render-invoice.sh", "--png", "--out", root + "/pdf",
                closed.workbookPath,
            ])
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        let pdf = try #require(lines.first { $0.hasSuffix(".pdf") })
        #expect(lines.contains { $0.hasSuffix("-1.png") || $0.hasSuffix("-01.png") }, "PNG pages: \(lines)")

        let info = String(
            decoding: try Subprocess.run("/usr/bin/pdfinfo", ["-f", "1", "-l", "999", pdf]), as: UTF8.self)
        let pageCount = try #require(
            info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap {
                Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces))
            })
        // A4 is 595.3 × 841.9 pt, either way round.
        let sizes = info.split(separator: "\n").filter { $0.hasPrefix("Page") && $0.contains("size:") }
        #expect(sizes.count == pageCount)
        for size in sizes {
            #expect(size.contains("595.") && size.contains("841.") || size.contains("842 x 595"), "\(size)")
        }

        // A page belongs to a sheet when it shows the sheet's distinctive label; it must then show
        // every label of the sheet's header (a sheet split sideways puts some columns on pages of
        // their own, without the others).
        let headers: [(sheet: String, key: String, labels: [String])] = [
            ("Invoice", "INVOICE", ["INVOICE", "Invoice number", "Amount (EUR)", "Inputs digest"]),
            ("Components", "Pricing", InvoiceWorkbook.componentsHeader),
            ("Usage", "Service", InvoiceWorkbook.usageHeader),
            ("Requests", "NLP messages", InvoiceWorkbook.requestsHeader),
            ("Adjustments", "Late queries", InvoiceWorkbook.adjustmentsHeader),
        ]
        var pagesOf: [String: Int] = [:]
        for page in 1...pageCount {
            let text = try Self.pageText(pdf, page)
            #expect(
                text.contains("Page \(page) of \(pageCount)")
                    || text.range(of: #"Page \d+ of \d+"#, options: .regularExpression) != nil,
                "page \(page) has no \"Page N of M\" footer")
            for header in headers where text.contains(header.key) {
                let missing = header.labels.filter { !text.contains($0) }
                #expect(missing.isEmpty, "page \(page) of \(header.sheet) lacks \(missing)")
                pagesOf[header.sheet, default: 0] += 1
            }
        }
        #expect(pagesOf["Invoice"] == 1, "the Invoice sheet is one page")
        #expect((pagesOf["Usage"] ?? 0) >= 2, "the long Usage sheet spans pages, each with its header")
        #expect(pagesOf["Components"] == 1 && pagesOf["Requests"] == 1 && pagesOf["Adjustments"] == 1)
    }
}
