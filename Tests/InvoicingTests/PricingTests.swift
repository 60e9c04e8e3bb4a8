import Invoicing
import Testing

@Suite("Pricing")
struct PricingTests {
    let pricer: InvoicePricer

    init() throws {
        pricer = InvoicePricer(catalogs: try TestCatalogs.load().set)
    }

    func money(_ text: String) throws -> Money { try Money(parsing: text) }

    func price(
        _ ob: String, _ period: String, _ usage: [(String, Int64)], messages: Int64 = 0,
        late: [InvoiceInput.LateRow] = []
    ) throws -> PricedInvoice {
        let rows = usage.enumerated().map { index, entry in
            InvoiceInput.UsageRow(component: entry.0, app: "app-\(index % 2)", service: "svc", queries: entry.1)
        }
        return try pricer.price(
            InvoiceInput(
                ob: ob, period: period, usage: rows,
                requests: [.init(app: "app-0", messages: messages, nlpMessages: messages / 2)],
                lateAdjustments: late))
    }

    func amount(_ invoice: PricedInvoice, _ component: String) -> String? {
        invoice.components.first { $0.componentID == component }.map { invoice.currency.format($0.amount) }
    }

    @Test("unit price applies to the OB's total over all apps, one line per component")
    func unitPrice() throws {
        let invoice = try price("DEU", "2026-02", [("nlu", 400), ("nlu", 600), ("other", 7)])
        #expect(invoice.components.map(\.componentID) == ["nlu", "other"])
        #expect(invoice.components[0].queries == 1000)
        #expect(amount(invoice, "nlu") == "2.50")
        #expect(amount(invoice, "other") == "0.01")  // 7 × 0.0010 = 0.007 → 0.01 (default price)
        #expect(invoice.components[1].unitPrice == (try money("0.001")))
        #expect(invoice.usage.count == 3)
    }

    @Test(
        "graduated tiers at and around band edges",
        arguments: [
            (Int64(0), "0.000000"), (1, "0.004000"), (1000, "4.000000"), (1001, "4.003000"),
            (5000, "16.000000"), (5001, "16.002000"), (6000, "18.000000"),
        ])
    func graduated(queries: Int64, exact: String) throws {
        let asr = try #require(try TestCatalogs.load().set.catalog(for: "2026-03").priceLists["eur"]?.components["asr"])
        #expect(try asr.amount(queries: queries).description == exact)
        let invoice = try price("DEU", "2026-03", [("asr", queries)])
        let line = try #require(invoice.components.first)
        #expect(line.pricing == "graduated" && line.unitPrice == nil)
        #expect(line.amount == (try money(exact)).rounded(toDecimals: 2))
    }

    @Test(
        "volume tiers: all queries at the band reached",
        arguments: [
            (Int64(99), "0.297000"), (100, "0.300000"), (101, "0.202000"), (10_000, "20.000000"),
        ])
    func volume(queries: Int64, exact: String) throws {
        let invoice = try price("DEU", "2026-03", [("tts", queries)])
        let line = try #require(invoice.components.first)
        #expect(line.pricing == "volume")
        #expect(line.amount == (try money(exact)).rounded(toDecimals: 2))
    }

    @Test(
        "each line is rounded half-even once, in 0, 2 and 3 decimal currencies",
        arguments: [
            ("DEU", "half", Int64(1000), "0.00"),  // 0.005 → 0.00
            ("DEU", "half", 3000, "0.02"),  // 0.015 → 0.02
            ("DEU", "half", 3001, "0.02"),  // 0.015005 → 0.02
            ("JPN", "x", 3, "2"),  // 1.5 → 2
            ("JPN", "x", 5, "2"),  // 2.5 → 2
            ("JPN", "x", 7, "4"),  // 3.5 → 4
            ("BHR", "x", 3, "0.002"),  // 0.0015 → 0.002
            ("BHR", "x", 5, "0.002"),  // 0.0025 → 0.002
            ("BHR", "x", 7, "0.004"),  // 0.0035 → 0.004
        ])
    func halfEven(ob: String, component: String, queries: Int64, expected: String) throws {
        let invoice = try price(ob, "2026-03", [(component, queries)])
        #expect(amount(invoice, component) == expected)
    }

    @Test("rounding happens per line, not on the sum")
    func perLineRounding() throws {
        // Two components each 0.005 → 0.00 + 0.00; rounding the sum would give 0.01.
        let invoice = try price("BRA", "2026-03", [("a", 1), ("b", 1)])  // default_ob: BRL, 0.01 each
        #expect(invoice.currency.code == "BRL")
        // 0.005 → 0.00; 5 × 0.001 = 0.005 → 0.00
        let halves = try price("DEU", "2026-03", [("half", 1000), ("half2", 5)])
        #expect(halves.totals.components == .zero)
        #expect(halves.totals.total == halves.totals.monthlyFee)  // DEU: fee 10.00 only
        #expect(invoice.totals.components == (try money("0.02")))
    }

    @Test("requests line, monthly fee and minimum top-up")
    func minimumTopUp() throws {
        let esp = try price("ESP", "2026-04", [("nlu", 1000)], messages: 10_000)
        #expect(esp.totals.components == (try money("2.50")))
        #expect(esp.totals.requests == (try money("2.00")))
        #expect(esp.totals.monthlyFee == .zero)
        #expect(esp.totals.minimumTopUp == (try money("95.50")))
        #expect(esp.totals.total == (try money("100.00")))
        #expect(esp.totalRequests == 10_000 && esp.totalQueries == 1000)
        #expect(esp.model == "pay-per-use + commitment")

        let deu = try price("DEU", "2026-04", [("nlu", 1000)], messages: 10_000)
        #expect(deu.totals.monthlyFee == (try money("10.00")))
        #expect(deu.totals.minimumTopUp == .zero)
        #expect(deu.totals.total == (try money("14.50")))

        let big = try price("ESP", "2026-04", [("nlu", 100_000)])
        #expect(big.totals.minimumTopUp == .zero)
        #expect(big.totals.total == (try money("250.00")))

        let bhr = try price("BHR", "2026-04", [])
        #expect(bhr.totals.total == (try money("1.250")))
        #expect(bhr.currency.format(bhr.totals.total) == "1.250")
    }

    @Test("late events: delta price with the original period's catalog, outside the minimum")
    func lateAdjustments() throws {
        let late: [InvoiceInput.LateRow] = [
            .init(originalPeriod: "2026-05", component: "asr", originalQueries: 900, lateQueries: 150),
            .init(originalPeriod: "2026-05", component: "asr", originalQueries: 900, lateQueries: 50),
            .init(originalPeriod: "2026-06", component: "nlu", originalQueries: 0, lateQueries: 100),
        ]
        let invoice = try price("ESP", "2026-07", [], late: late)
        #expect(invoice.adjustments.map(\.originalPeriod) == ["2026-05", "2026-06"])
        // January catalog: price(1100) − price(900) = (4.000 + 0.300) − 3.600 = 0.70.
        #expect(invoice.adjustments[0].lateQueries == 200)
        #expect(invoice.adjustments[0].amount == (try money("0.70")))
        // June catalog: 100 × 0.003 = 0.30.
        #expect(invoice.adjustments[1].amount == (try money("0.30")))
        #expect(invoice.totals.adjustments == (try money("1.00")))
        #expect(invoice.totals.minimumTopUp == (try money("100.00")))
        #expect(invoice.totals.total == (try money("101.00")))
        #expect(invoice.catalogVersion == "test-2026.06")
    }

    @Test("bad inputs are errors, not crashes")
    func badInputs() throws {
        #expect(throws: InvoicingError.self) { try price("ESP", "2026-13", []) }
        #expect(throws: InvoicingError.self) { try price("ESP", "2025-12", []) }
        #expect(throws: InvoicingError.self) { try price("ESP", "2026-03", [("nlu", -1)]) }
        #expect(throws: InvoicingError.self) { try price("ESP", "2026-03", [("nlu", Int64.max), ("nlu", 1)]) }
        // Currency of the original period differs (JPY both times here is fine; BRL default vs EUR is not).
        let mixed = InvoiceInput.LateRow(originalPeriod: "2026-02", component: "x", originalQueries: 0, lateQueries: 1)
        #expect(throws: InvoicingError.self) { try price("FRA", "2026-07", [], late: [mixed]) }
        let future = InvoiceInput.LateRow(
            originalPeriod: "2026-07", component: "nlu", originalQueries: 0, lateQueries: 1)
        #expect(throws: InvoicingError.self) { try price("ESP", "2026-07", [], late: [future]) }
    }
}
