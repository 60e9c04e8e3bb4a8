import Foundation
import Invoicing
import Testing

@Suite("Invoice sheet: number, dates, parties, terms")
struct InvoiceSheetTests {
    static let catalog = """
        catalog_version: "party-2026.01"
        effective_from: "2026-01"
        issuer:
          legal_name: "Aura Global Team (example) S.L."
          tax_id: "ESB00000000"
          address: ["Calle Ejemplo 2", "28002 Madrid"]
        payment_terms_days: 30
        invoice_prefix: "AGT"
        price_lists:
          eur: { currency: EUR, default_unit_price: "0.0010", request_price: "0.0002" }
        obs:
          ESP:
            price_list: eur
            bill_to: { legal_name: "OB Spain (example) S.A.", tax_id: "ESA00000001", address: ["Calle Ejemplo 1"] }
        default_ob: { price_list: eur }
        """

    static func catalogs(_ text: String = catalog) throws -> TariffCatalogSet {
        let directory = try TestPaths.temporaryDirectory("party")
        return try TariffCatalogSet(path: try TestPaths.write(text, to: directory, name: "c.yaml"))
    }

    static func input(ob: String = "ESP", number: InvoiceNumber? = InvoiceNumber("AGT-2026-000007")) -> InvoiceInput {
        var input = SampleInvoice.input(ob: ob)
        input.invoiceNumber = number
        input.timeZone = "Europe/Madrid"
        return input
    }

    /// Column A → column B (or the whole row) of the Invoice sheet as openpyxl reads it.
    static func rows(_ book: Python.Workbook) -> [[String]] { book.cells["Invoice"] ?? [] }

    @Test("the catalog's issuer, bill_to, payment terms and prefix are parsed")
    func parsesParties() throws {
        let catalog = try Self.catalogs().catalog(for: "2026-10")
        #expect(catalog.issuer?.legalName == "Aura Global Team (example) S.L.")
        #expect(catalog.issuer?.addressLines == ["Calle Ejemplo 2", "28002 Madrid"])
        #expect(catalog.paymentTermsDays == 30)
        #expect(catalog.invoicePrefix == "AGT")
        #expect(catalog.obs["ESP"]?.billTo?.taxID == "ESA00000001")
        #expect(catalog.obs["DEU"] == nil && catalog.defaultOB.billTo == nil)
    }

    @Test("bad issuer, bill_to, terms and prefix are reported with their lines")
    func reportsBadValues() throws {
        let yaml = """
            catalog_version: "bad"
            effective_from: "2026-01"
            issuer: { tax_id: "X", address: "one line", colour: red }
            payment_terms_days: "thirty"
            invoice_prefix: "aura 1"
            price_lists:
              eur: { currency: EUR, default_unit_price: "0.0010" }
            obs:
              ESP: { price_list: eur, bill_to: "OB Spain" }
            default_ob: { price_list: eur }
            """
        let directory = try TestPaths.temporaryDirectory("badparty")
        let path = try TestPaths.write(yaml, to: directory, name: "c.yaml")
        let problems = TariffCatalogSet.validate(path: path).map(\.description)
        let expected = [
            "\(path):3: issuer: unknown key 'colour'",
            "\(path):3: issuer: missing legal_name",
            "\(path):3: issuer: address must be a list of lines",
            "\(path):4: payment_terms_days must be a whole number of days",
            "\(path):5: invoice_prefix must be 1 to 12 capital letters",
            "\(path):9: OB ESP bill_to: expected {legal_name",
        ]
        for prefix in expected {
            #expect(problems.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(problems)")
        }
    }

    @Test("the Invoice sheet prints number, dates, period with zone, parties, lines, total, terms and footer")
    func invoiceSheet() throws {
        let root = try TestPaths.temporaryDirectory("sheet")
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: try Self.catalogs())
            .write(Self.input(), closedAt: SampleInvoice.closedAt)
        let book = try Python.readWorkbook(closed.workbookPath)
        #expect(book.sheets.first == "Invoice")
        let rows = Self.rows(book)
        func value(_ label: String) -> String? {
            rows.first { $0.first == label }.flatMap { $0.count > 1 ? $0[1] : nil }
        }
        #expect(rows.first?.first == "INVOICE")
        #expect(value("Invoice number") == "AGT-2026-000007")
        #expect(value("Issue date") == "2026-11-01")
        #expect(value("Due date") == "2026-12-01")
        #expect(value("Period") == "2026-10 (2026-10-01 to 2026-10-31, time zone Europe/Madrid)")
        let text = rows.flatMap { $0 }
        for expected in [
            "Issuer", "Aura Global Team (example) S.L.", "Tax ID ESB00000000", "Calle Ejemplo 2", "Bill to",
            "OB Spain (example) S.A.", "Tax ID ESA00000001", "Calle Ejemplo 1", "Monthly fee", "Minimum top-up",
            "Payment due within 30 days of the issue date, by 2026-12-01.",
            "Inputs digest \(closed.manifest.inputsDigest)",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        #expect(text.contains { $0.hasPrefix("Catalog version party-2026.01") })
        #expect(text.contains("Natural language (nlu)"))
        let total = rows.first { $0.first == "Total" }
        #expect(
            total?.last
                == closed.invoice.totals.total.formatted(decimals: closed.invoice.totals.total.significantDecimals))
        #expect(closed.manifest.invoiceNumber == "AGT-2026-000007")
        #expect(closed.manifest.issueDate == "2026-11-01" && closed.manifest.dueDate == "2026-12-01")
        // The new Summary rows follow the spec's, which stay where they were.
        let summary = book.cells["Summary"] ?? []
        #expect(summary.count == 20 && summary[16].first == "Inputs digest")
        #expect(summary[17] == ["Invoice number", "AGT-2026-000007"])
        #expect(summary[18] == ["Issue date", "2026-11-01"] && summary[19] == ["Due date", "2026-12-01"])
        let verified = try InvoiceVerifier().verify(directory: root)
        #expect(!verified.isEmpty && verified.allSatisfy { $0.problems.isEmpty }, "\(verified.map(\.problems))")
    }

    @Test("missing issuer, bill_to, terms and number are stated plainly, and verify still passes")
    func missingParties() throws {
        let root = try TestPaths.temporaryDirectory("missing")
        let (catalogs, _) = try TestCatalogs.load()
        let closed = try InvoiceWriter(invoicesDirectory: root, catalogs: catalogs)
            .write(Self.input(number: nil), closedAt: SampleInvoice.closedAt)
        let text = Self.rows(try Python.readWorkbook(closed.workbookPath)).flatMap { $0 }
        #expect(text.contains("not set (the catalog has no issuer)"))
        #expect(text.contains { $0.hasPrefix("not set (the catalog has no bill_to for ESP)") })
        #expect(text.contains("not set (the catalog has no payment_terms_days)"))
        #expect(text.contains("Payment terms not set (the catalog has no payment_terms_days)."))
        #expect(text.contains("not assigned (closed before invoice numbering existed)"))
        #expect(closed.manifest.invoiceNumber == nil && closed.manifest.dueDate == nil)
        let verified = try InvoiceVerifier().verify(directory: root)
        #expect(!verified.isEmpty && verified.allSatisfy { $0.problems.isEmpty }, "\(verified.map(\.problems))")
    }

    @Test("a revision keeps its number with -r2; verify catches a number the manifest disagrees with")
    func revisionAndVerify() throws {
        let root = try TestPaths.temporaryDirectory("rev")
        let writer = InvoiceWriter(invoicesDirectory: root, catalogs: try Self.catalogs())
        _ = try writer.write(Self.input(), closedAt: SampleInvoice.closedAt)
        var changed = Self.input()
        changed.usage[0].queries += 1
        let second = try writer.write(changed, closedAt: SampleInvoice.closedAt)
        #expect(second.revision == 2 && second.manifest.invoiceNumber == "AGT-2026-000007-r2")
        let rows = Self.rows(try Python.readWorkbook(second.workbookPath))
        #expect(rows.contains { Array($0.prefix(2)) == ["Invoice number", "AGT-2026-000007-r2"] })
        // Rewriting the same input leaves the files byte-identical.
        let again = try writer.write(changed, closedAt: SampleInvoice.closedAt)
        #expect(!again.written && again.revision == 2)

        var manifest = second.manifest
        manifest.invoiceNumber = "AGT-2026-000008-r2"
        try manifest.encoded().write(to: URL(fileURLWithPath: second.manifestPath))
        let problems = InvoiceVerifier().verify(manifestPath: second.manifestPath).problems
        #expect(problems.contains { $0.hasPrefix("Summary Invoice number AGT-2026-000007-r2 ≠ manifest") })
    }

    @Test("invoice numbers: format, parsing, next per prefix and year")
    func numbers() {
        let number = InvoiceNumber(prefix: "AURA", year: 2026, sequence: 42)
        #expect(number.description == "AURA-2026-000042" && number.display(revision: 3) == "AURA-2026-000042-r3")
        #expect(InvoiceNumber("AURA-2026-000042") == number)
        #expect(InvoiceNumber("AG-T-2026-1234567")?.sequence == 1_234_567)
        #expect(InvoiceNumber("AURA-2026-42") == nil && InvoiceNumber("aura-2026-000001") == nil)
        let existing = [
            number, InvoiceNumber(prefix: "AURA", year: 2025, sequence: 99),
            InvoiceNumber(prefix: "OTHER", year: 2026, sequence: 7),
        ]
        #expect(InvoiceNumber.next(prefix: "AURA", year: 2026, after: existing).sequence == 43)
        #expect(InvoiceNumber.next(prefix: "AURA", year: 2027, after: existing).sequence == 1)
        #expect(InvoiceNumber.next(prefix: "NEW", year: 2026, after: existing).description == "NEW-2026-000001")
    }
}
