import Foundation
import Invoicing
import Testing

@Suite("Invoice verification")
struct VerifierTests {
    func closeSample() throws -> (root: String, closed: ClosedInvoice, writer: InvoiceWriter) {
        let (catalogs, _) = try TestCatalogs.load()
        let root = try TestPaths.temporaryDirectory("verify")
        let writer = InvoiceWriter(invoicesDirectory: root, catalogs: catalogs)
        let closed = try writer.write(SampleInvoice.input(), closedAt: SampleInvoice.closedAt)
        _ = try writer.write(
            InvoiceInput(
                ob: "JPN", period: "2026-10", usage: [.init(component: "x", app: nil, service: "s", queries: 5)]),
            closedAt: SampleInvoice.closedAt)
        return (root, closed, writer)
    }

    @Test("closed invoices verify")
    func cleanDirectoryVerifies() throws {
        let (root, _, _) = try closeSample()
        let results = try InvoiceVerifier().verify(directory: root)
        #expect(results.count == 2)
        let failures = results.filter { !$0.ok }.map(\.line)
        #expect(failures == [])
        #expect(results.first?.line.hasPrefix("OK   ESP 2026-10 r1 total") == true)
    }

    @Test("a manifest total that disagrees with the workbook fails")
    func tamperedManifest() throws {
        let (root, closed, _) = try closeSample()
        var text = try String(contentsOfFile: closed.manifestPath, encoding: .utf8)
        let total = closed.invoice.currency.format(closed.invoice.totals.total)
        text = text.replacingOccurrences(of: "\"total\" : \"\(total)\"", with: "\"total\" : \"1.00\"")
        try Data(text.utf8).write(to: URL(fileURLWithPath: closed.manifestPath))
        let results = try InvoiceVerifier().verify(directory: root)
        let esp = try #require(results.first { $0.ob == "ESP" })
        #expect(!esp.ok)
        #expect(esp.problems.contains { $0.contains("totals.total") })
    }

    @Test("a workbook whose Total is not the sum of its lines fails even with a matching hash")
    func inconsistentWorkbook() throws {
        let (_, closed, _) = try closeSample()
        var invoice = closed.invoice
        invoice.totals.total = try invoice.totals.total.adding(Money(parsing: "0.01"))
        let workbook = try InvoiceWorkbook(
            invoice: invoice, closedAt: SampleInvoice.closedAt, forced: false,
            inputsDigest: closed.manifest.inputsDigest
        ).data()
        try workbook.write(to: URL(fileURLWithPath: closed.workbookPath))
        let rehashed = InvoiceVerifier().verify(manifestPath: closed.manifestPath)
        #expect(!rehashed.ok)
        #expect(rehashed.problems.contains { $0.contains("SHA-256") })
        #expect(rehashed.problems.contains { $0.contains("Summary Total") })
    }

    @Test("a workbook that is not a zip archive is reported, not a crash")
    func garbageWorkbook() throws {
        let (_, closed, _) = try closeSample()
        try Data("PK\u{3}\u{4} but not really a zip".utf8).write(to: URL(fileURLWithPath: closed.workbookPath))
        let result = InvoiceVerifier().verify(manifestPath: closed.manifestPath)
        #expect(!result.ok)
        #expect(result.problems.contains { $0.contains("not a zip archive") })
    }

    @Test("a missing workbook and an orphan workbook both fail")
    func missingFiles() throws {
        let (root, closed, _) = try closeSample()
        try FileManager.default.moveItem(atPath: closed.workbookPath, toPath: root + "/orphan.xlsx")
        let results = try InvoiceVerifier().verify(directory: root)
        #expect(results.filter { !$0.ok }.count == 2)
        #expect(results.contains { $0.problems.contains { $0.contains("missing") } })
        #expect(results.contains { $0.problems.contains("workbook has no manifest") })
    }
}
