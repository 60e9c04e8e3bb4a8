package import Aggregation
package import Invoicing

/// Prices a period's usage under a candidate catalog next to what was (or would be) issued
/// (`aura-billing reprice`). Pure computation over a loaded state: it closes, writes, numbers and
/// delivers nothing.
///
/// The invoice input of each (OB, period) is built by `InvoiceInputBuilder`, exactly as the
/// close builds it, and priced by `InvoicePricer`. The issued side is, for a closed period whose
/// invoice is found, the latest revision's manifest totals and workbook lines (what the OB was
/// sent); otherwise the state priced under the current catalog (an open period, or a closed one
/// whose files are not at hand), said so in `issuedFrom`.
package struct Repricer {
    package var period: Period
    /// Only this OB; nil: every OB with usage in (or late events billed on) the period.
    package var ob: String?
    package var candidate: TariffCatalogSet
    package var candidatePath: String
    /// The catalogs in force (the issued side of periods without an invoice at hand); nil: none.
    package var current: TariffCatalogSet?
    /// Where closed invoices are (`<OB>/<YYYY-MM>/manifest[-rN].json`); nil: not at hand.
    package var invoicesDirectory: String?
    package var names: InvoiceInput.Names

    package init(
        period: Period, ob: String?, candidate: TariffCatalogSet, candidatePath: String,
        current: TariffCatalogSet?, invoicesDirectory: String?, names: InvoiceInput.Names
    ) {
        self.period = period
        self.ob = ob
        self.candidate = candidate
        self.candidatePath = candidatePath
        self.current = current
        self.invoicesDirectory = invoicesDirectory
        self.names = names
    }

    /// One side of the comparison.
    struct Side {
        var currency: Currency
        var components: [String: (queries: Int64, amount: Money)]
        var requests: (messages: Int64, amount: Money)?
        var totals: PricedInvoice.Totals

        init(_ invoice: PricedInvoice) {
            currency = invoice.currency
            components = [:]
            for line in invoice.components { components[line.componentID] = (line.queries, line.amount) }
            requests = (invoice.totalRequests, invoice.totals.requests)
            totals = invoice.totals
        }

        init(_ issued: IssuedInvoice) {
            currency = issued.currency
            components = [:]
            for line in issued.components { components[line.componentID] = (line.queries, line.amount) }
            requests = (issued.manifest.totals.totalRequests, issued.totals.requests)
            totals = issued.totals
        }
    }

    /// The comparison for every (OB, period) of `state` in `period` (and `ob`); `closed` holds the
    /// closes recorded outside the state (journals, close topic), `OB YYYY-MM`.
    package func reprice(state: PartitionState, closed: Set<String>) throws -> RepriceReport {
        let builder = InvoiceInputBuilder(state: state, names: names)
        let targets = ReplayInvoiceWriter.targets(state).filter { $0.period == period && (ob == nil || $0.ob == ob) }
        var invoices: [RepriceReport.Invoice] = []
        var issuedSums: [String: Money] = [:]
        var candidateSums: [String: Money] = [:]
        for target in targets {
            let text = target.period.description
            let isClosed =
                closed.contains("\(target.ob) \(text)") || state.isClosed(ob: target.ob, period: target.period)
            let input = builder.input(ob: target.ob, period: target.period, inputs: InvoiceInputs(), forced: false)
            var errors: [String] = []
            var issued: Side?
            var issuedFrom: String
            let found = try invoicesDirectory.flatMap {
                try IssuedInvoice.latest(invoicesDirectory: $0, ob: target.ob, period: text)
            }
            if isClosed, let found {
                issued = Side(found)
                issuedFrom = "closed invoice revision \(found.manifest.revision) (\(found.manifestPath))"
            } else {
                issuedFrom =
                    isClosed
                    ? "closed, but its invoice is not at hand: the state priced under the current catalog"
                    : "open period: the state priced under the current catalog"
                if let current {
                    do throws(InvoicingError) { issued = Side(try InvoicePricer(catalogs: current).price(input)) } catch
                    {
                        errors.append("current catalog: \(error.message)")
                    }
                } else {
                    issuedFrom = isClosed ? "closed, but its invoice is not at hand" : "open period"
                    issuedFrom += " and no current catalog: nothing to compare with"
                }
            }
            var candidateSide: Side?
            do throws(InvoicingError) {
                candidateSide = Side(try InvoicePricer(catalogs: candidate).price(input))
            } catch {
                errors.append("candidate catalog: \(error.message)")
            }
            var invoice = try Self.compare(issued: issued, candidate: candidateSide)
            invoice.ob = target.ob
            invoice.period = text
            invoice.status = isClosed ? "closed" : "open"
            invoice.issuedFrom = issuedFrom
            invoice.errors = errors
            if let issued {
                issuedSums[issued.currency.code] = try (issuedSums[issued.currency.code] ?? .zero).adding(
                    issued.totals.total)
            }
            if let candidateSide {
                candidateSums[candidateSide.currency.code] = try (candidateSums[candidateSide.currency.code] ?? .zero)
                    .adding(candidateSide.totals.total)
            }
            invoices.append(invoice)
        }
        let codes = Set(issuedSums.keys).union(candidateSums.keys).sorted()
        let totals = try codes.compactMap { code -> RepriceReport.CurrencyTotal? in
            // Codes come from parsed catalogs and manifests, so they are known currencies.
            guard let currency = Currency(code: code) else { return nil }
            let (issued, candidate) = (issuedSums[code] ?? .zero, candidateSums[code] ?? .zero)
            return RepriceReport.CurrencyTotal(
                currency: code, issued: currency.format(issued), candidate: currency.format(candidate),
                difference: currency.format(try candidate.subtracting(issued)))
        }
        return RepriceReport(
            period: period.description, candidateCatalog: candidatePath,
            candidateVersion: try? candidate.catalog(for: period.description).version, invoices: invoices,
            totals: totals)
    }

    /// The lines of one invoice: every component of either side (sorted), then requests, monthly
    /// fee, adjustments, minimum top-up and total.
    static func compare(issued: Side?, candidate: Side?) throws -> RepriceReport.Invoice {
        let same = issued != nil && issued?.currency == candidate?.currency
        func line(_ kind: String, component: String? = nil, quantity: Int64? = nil, _ a: Money?, _ b: Money?)
            throws -> RepriceReport.Line
        {
            var difference: String?
            if same, let a, let b, let currency = issued?.currency {
                difference = currency.format(try b.subtracting(a))
            }
            return RepriceReport.Line(
                kind: kind, component: component, quantity: quantity,
                issued: a.flatMap { a in issued?.currency.format(a) },
                candidate: b.flatMap { b in candidate?.currency.format(b) }, difference: difference)
        }
        var lines: [RepriceReport.Line] = []
        var ids = Set<String>()
        for side in [issued, candidate] { if let side { ids.formUnion(side.components.keys) } }
        for id in ids.sorted() {
            let a = issued?.components[id]
            let b = candidate?.components[id]
            // A component priced on only one side is zero on the other (no queries, or a line
            // the other catalog leaves out), when the sides share a currency.
            lines.append(
                try line(
                    "component", component: id, quantity: a?.queries ?? b?.queries,
                    a?.amount ?? (same && issued != nil ? .zero : nil),
                    b?.amount ?? (same && candidate != nil ? .zero : nil)))
        }
        lines.append(
            try line(
                "requests", quantity: issued?.requests?.messages ?? candidate?.requests?.messages,
                issued?.requests?.amount, candidate?.requests?.amount))
        lines.append(try line("monthly_fee", issued?.totals.monthlyFee, candidate?.totals.monthlyFee))
        lines.append(try line("adjustments", issued?.totals.adjustments, candidate?.totals.adjustments))
        lines.append(try line("minimum_top_up", issued?.totals.minimumTopUp, candidate?.totals.minimumTopUp))
        let total = try line("total", issued?.totals.total, candidate?.totals.total)
        lines.append(total)
        return RepriceReport.Invoice(
            ob: "", period: "", status: "", issuedFrom: "", issuedCurrency: issued?.currency.code,
            candidateCurrency: candidate?.currency.code, lines: lines, issuedTotal: total.issued,
            candidateTotal: total.candidate, difference: total.difference)
    }
}
