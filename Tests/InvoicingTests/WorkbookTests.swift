import Foundation
import Invoicing
import Testing

@Suite("Invoice workbook read back by openpyxl")
struct WorkbookTests {
    /// Numbers as openpyxl prints them through Decimal(repr(float)).normalize(): minimal decimals.
    func number(_ value: Money) -> String { value.formatted(decimals: value.significantDecimals) }

    /// The cells docs/spec.md §7 prescribes, built from the priced invoice.
    func expectedCells(_ invoice: PricedInvoice, manifest: InvoiceManifest) -> [String: [[String]]] {
        let t = invoice.totals
        let summaryValues = [
            invoice.ob, invoice.country, invoice.period, invoice.currency.code, invoice.model,
            String(invoice.totalRequests), String(invoice.totalQueries), number(t.components), number(t.requests),
            number(t.monthlyFee), number(t.adjustments), number(t.minimumTopUp), number(t.total),
            invoice.catalogVersion, manifest.closedAt, manifest.forced ? "TRUE" : "FALSE", manifest.inputsDigest,
            manifest.invoiceNumber ?? "not assigned (closed before invoice numbering existed)",
            manifest.issueDate ?? "", manifest.dueDate ?? "not set (the catalog has no payment_terms_days)",
        ]
        let labels = [
            "OB", "Country", "Period", "Currency", "Invoicing model", "Total requests", "Total queries",
            "Components", "Requests", "Monthly fee", "Adjustments", "Minimum top-up", "Total",
            "Catalog version", "Closed at (UTC)", "Forced", "Inputs digest", "Invoice number", "Issue date", "Due date",
        ]
        var cells: [String: [[String]]] = [:]
        cells["Summary"] = zip(labels, summaryValues).map { [$0, $1] }
        cells["Components"] =
            [["Component ID", "Component", "Queries", "Pricing", "Unit price", "Amount"]]
            + invoice.components.map {
                [
                    $0.componentID, $0.name, String($0.queries), $0.pricing,
                    $0.unitPrice.map(number) ?? "", number($0.amount),
                ]
            }
        cells["Usage"] =
            [["Component ID", "Component", "App ID", "App", "Service", "Queries"]]
            + invoice.usage.map {
                [
                    $0.componentID, $0.componentName, $0.appID, $0.appID.isEmpty ? "(no app)" : $0.appName, $0.service,
                    String($0.queries),
                ]
            }
        let nlp = invoice.requests.reduce(Int64(0)) { $0 + $1.nlpMessages }
        cells["Requests"] =
            [["App ID", "App", "Messages", "NLP messages"]]
            + invoice.requests.map {
                [$0.appID, $0.appID.isEmpty ? "(no app)" : $0.appName, String($0.messages), String($0.nlpMessages)]
            }
            + [
                [], ["Requests", "", String(invoice.totalRequests), String(nlp)],
                ["Unit price", "", number(invoice.requestUnitPrice)], ["Amount", "", number(t.requests)],
            ]
        cells["Adjustments"] =
            [["Original period", "Component ID", "Component", "Late queries", "Amount"]]
            + invoice.adjustments.map {
                [$0.originalPeriod, $0.componentID, $0.name, String($0.lateQueries), number($0.amount)]
            }
        return cells
    }

    func trimmed(_ rows: [[String]]) -> [[String]] {
        var rows = rows.map { row in
            var row = row
            while row.last == "" { row.removeLast() }
            return row
        }
        while rows.last == [] { rows.removeLast() }
        return rows
    }

    @Test("every cell, sheet name, frozen header and number format as docs/spec.md §7")
    func everyCell() throws {
        let (catalogs, _) = try TestCatalogs.load()
        let root = try TestPaths.temporaryDirectory("wb")
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: catalogs)
            .write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        #expect(closed.workbookPath == root + "/ESP/2026-10/aura-invoice-ESP-2026-10.xlsx")
        #expect(closed.manifestPath == root + "/ESP/2026-10/manifest.json")

        let book = try Python.readWorkbook(closed.workbookPath)
        #expect(book.sheets == ["Invoice", "Summary", "Components", "Usage", "Requests", "Adjustments"])
        let expected = expectedCells(closed.invoice, manifest: closed.manifest)
        for sheet in book.sheets where sheet != "Invoice" {
            #expect(trimmed(book.cells[sheet] ?? []) == expected[sheet], "sheet \(sheet)")
        }
        // Spot checks of the content itself, independent of the layout above.
        #expect(book.cells["Summary"]?[1] == ["Country", "Spain"])
        #expect(book.cells["Usage"]?.contains { $0.contains("svc <&> \"2\"") } == true)
        #expect(book.cells["Usage"]?.contains { $0.contains("  padded  ") } == true)
        #expect(book.cells["Usage"]?.contains { $0.contains("Assistant Á") } == true)
        #expect(book.cells["Components"]?.contains { $0.first == "mystery" && $0[1] == "mystery" } == true)

        #expect(book.freeze["Summary"] == .some(nil))
        #expect(book.freeze["Invoice"] == .some(nil))
        // Print setup on every sheet: A4, one page wide, header row repeated, "Page N of M".
        for sheet in book.sheets {
            let setup = book.print[sheet] ?? [:]
            #expect(setup["paperSize"] == "9", "\(sheet)")
            #expect(setup["fitToWidth"] == "1" && setup["fitToHeight"] == "0", "\(sheet)")
            #expect(setup["fitToPage"] == "True", "\(sheet)")
            #expect(setup["footer"] == "Page &P of &N", "\(sheet)")
            let titled = !["Invoice", "Summary"].contains(sheet)
            #expect(setup["printTitleRows"] == (titled ? "$1:$1" : "None"), "\(sheet)")
        }
        #expect(book.print["Invoice"]?["orientation"] == "portrait")
        #expect(book.print["Usage"]?["orientation"] == "portrait")
        for sheet in ["Components", "Usage", "Requests", "Adjustments"] {
            #expect(book.freeze[sheet] == .some("A2"), "\(sheet)")
        }
        let formats = book.formats["Components"] ?? [:]
        #expect(formats["C2"] == "#,##0")
        #expect(formats["F2"] == "#,##0.00")
        #expect(formats.first { $0.key.hasPrefix("E") }?.value == "0.000000")
        #expect(book.formats["Summary"]?["B13"] == "#,##0.00")
        #expect((book.widths["Usage"]?["E"] ?? 0) >= 10)
    }

    @Test(
        "amount format follows the currency's decimals (JPY 0, BHD 3)",
        arguments: [("JPN", "#,##0"), ("BHR", "#,##0.000")])
    func currencyFormats(ob: String, format: String) throws {
        let (catalogs, _) = try TestCatalogs.load()
        let root = try TestPaths.temporaryDirectory("fmt")
        let input = InvoiceInput(
            ob: ob, period: "2026-03", usage: [.init(component: "x", app: "a", service: "s", queries: 7)])
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: catalogs).write(
            input, closedAt: SampleInvoice.closedAt)
        let book = try Python.readWorkbook(closed.workbookPath)
        #expect(book.formats["Components"]?["F2"] == format)
        #expect(book.formats["Summary"]?["B13"] == format)
        #expect(trimmed(book.cells["Summary"] ?? [])[12][1] == number(closed.invoice.totals.total))
    }
}
