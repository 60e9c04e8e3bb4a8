/// Prices an ``InvoiceInput`` with the catalogs (docs/spec.md §5): a line per component over all apps, the
/// requests line, the monthly fee, adjustment lines priced with the original period's catalog, and
/// the minimum top-up. Each line is computed exactly and rounded half-even once.
public struct InvoicePricer: Sendable {
    public let catalogs: TariffCatalogSet

    public init(catalogs: TariffCatalogSet) { self.catalogs = catalogs }

    /// Prices `input`; throws on an unknown period, missing tariff, currency change or overflow.
    public func price(_ input: InvoiceInput) throws(InvoicingError) -> PricedInvoice {
        guard TariffCatalogParser.isPeriod(input.period) else {
            throw InvoicingError(.pricing, "period '\(input.period)' must be YYYY-MM", source: input.ob)
        }
        let tariff = try catalogs.tariff(ob: input.ob, period: input.period)
        let currency = tariff.currency
        let names = input.names

        // Components: totals per component over all apps and services.
        var perComponent: [String: Int64] = [:]
        var totalQueries: Int64 = 0
        for row in input.usage {
            guard row.queries >= 0 else {
                throw InvoicingError(.pricing, "negative queries for \(row.component)", source: input.ob)
            }
            perComponent[row.component, default: 0] = try Self.add(perComponent[row.component, default: 0], row.queries)
            totalQueries = try Self.add(totalQueries, row.queries)
        }
        var componentLines: [PricedInvoice.ComponentLine] = []
        var componentsTotal = Money.zero
        for (id, queries) in perComponent.sorted(by: { $0.key < $1.key }) {
            let price = tariff.priceList.price(component: id)
            let amount = currency.round(try price.amount(queries: queries))
            componentsTotal = try componentsTotal.adding(amount)
            var unitPrice: Money?
            if case .unit(let value) = price { unitPrice = value }
            componentLines.append(
                .init(
                    componentID: id, name: names.components[id] ?? id, queries: queries,
                    pricing: price.pricingLabel, unitPrice: unitPrice, amount: amount))
        }

        let usage = input.usage
            .sorted { ($0.component, $0.app ?? "", $0.service) < ($1.component, $1.app ?? "", $1.service) }
            .map { row in
                PricedInvoice.UsageLine(
                    componentID: row.component, componentName: names.components[row.component] ?? row.component,
                    appID: row.app ?? "", appName: row.app.map { names.apps[$0] ?? $0 } ?? "",
                    service: row.service, queries: row.queries)
            }

        // Requests: all gateway messages at the request price.
        var totalRequests: Int64 = 0
        var totalNLP: Int64 = 0
        var requestLines: [PricedInvoice.RequestLine] = []
        for row in input.requests.sorted(by: { ($0.app ?? "") < ($1.app ?? "") }) {
            guard row.messages >= 0, row.nlpMessages >= 0 else {
                throw InvoicingError(.pricing, "negative message count for app \(row.app ?? "-")", source: input.ob)
            }
            totalRequests = try Self.add(totalRequests, row.messages)
            totalNLP = try Self.add(totalNLP, row.nlpMessages)
            requestLines.append(
                .init(
                    appID: row.app ?? "", appName: row.app.map { names.apps[$0] ?? $0 } ?? "",
                    messages: row.messages, nlpMessages: row.nlpMessages))
        }
        let requestsAmount = currency.round(try tariff.priceList.requestPrice.multiplied(by: totalRequests))
        let fee = currency.round(tariff.monthlyFee)

        // Adjustments: delta price with the original period's catalog.
        var late: [String: [String: (original: Int64, late: Int64)]] = [:]
        for row in input.lateAdjustments {
            guard row.lateQueries >= 0, row.originalQueries >= 0 else {
                throw InvoicingError(
                    .pricing, "negative late/original queries for \(row.originalPeriod) \(row.component)",
                    source: input.ob)
            }
            guard TariffCatalogParser.isPeriod(row.originalPeriod), row.originalPeriod < input.period else {
                throw InvoicingError(
                    .pricing,
                    "original period '\(row.originalPeriod)' of a late adjustment must be a month YYYY-MM before \(input.period)",
                    source: input.ob)
            }
            if let existing = late[row.originalPeriod]?[row.component] {
                guard existing.original == row.originalQueries else {
                    throw InvoicingError(
                        .pricing,
                        "late rows of \(row.originalPeriod) \(row.component) disagree on the original queries (\(existing.original) vs \(row.originalQueries))",
                        source: input.ob)
                }
                late[row.originalPeriod]![row.component] = (
                    existing.original, try Self.add(existing.late, row.lateQueries)
                )
            } else {
                late[row.originalPeriod, default: [:]][row.component] = (row.originalQueries, row.lateQueries)
            }
        }
        var adjustmentLines: [PricedInvoice.AdjustmentLine] = []
        var adjustmentsTotal = Money.zero
        for (period, components) in late.sorted(by: { $0.key < $1.key }) {
            let original = try catalogs.tariff(ob: input.ob, period: period)
            guard original.currency == currency else {
                throw InvoicingError(
                    .pricing, "adjustment for \(period) is in \(original.currency) but the invoice is in \(currency)",
                    source: input.ob)
            }
            for (id, counts) in components.sorted(by: { $0.key < $1.key }) {
                let price = original.priceList.price(component: id)
                let before = try price.amount(queries: counts.original)
                let after = try price.amount(queries: try Self.add(counts.original, counts.late))
                let amount = currency.round(try after.subtracting(before))
                adjustmentsTotal = try adjustmentsTotal.adding(amount)
                adjustmentLines.append(
                    .init(
                        originalPeriod: period, componentID: id, name: names.components[id] ?? id,
                        lateQueries: counts.late, amount: amount))
            }
        }

        let minimum = currency.round(tariff.minimum)
        let base = try componentsTotal.adding(requestsAmount).adding(fee)
        let topUp = try minimum.subtracting(base).clampedToZero
        let total = try base.adding(adjustmentsTotal).adding(topUp)

        return PricedInvoice(
            ob: input.ob, country: names.countries[input.ob] ?? input.ob, period: input.period, currency: currency,
            model: tariff.model, catalogVersion: tariff.catalogVersion, catalogSHA256: tariff.catalogSHA256,
            catalogFile: tariff.catalogFile, totalRequests: totalRequests, totalQueries: totalQueries,
            totalNLPMessages: totalNLP,
            components: componentLines, usage: usage, requests: requestLines,
            requestUnitPrice: tariff.priceList.requestPrice,
            totals: .init(
                components: componentsTotal, requests: requestsAmount, monthlyFee: fee,
                adjustments: adjustmentsTotal, minimum: minimum, minimumTopUp: topUp, total: total),
            adjustments: adjustmentLines, timeZone: input.timeZone ?? tariff.timeZone, issuer: tariff.issuer,
            billTo: tariff.billTo, paymentTermsDays: tariff.paymentTermsDays, invoiceNumber: input.invoiceNumber)
    }

    static func add(_ a: Int64, _ b: Int64) throws(InvoicingError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw InvoicingError(.overflow, "query count overflow") }
        return sum
    }
}
