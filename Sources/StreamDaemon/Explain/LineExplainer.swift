import Aggregation
import Invoicing

/// Explains the invoice of one (OB, period) from a merged state: builds the input exactly as
/// the close does (`InvoiceInputBuilder`), prices it with the same pricer, and breaks each line
/// down from the state's rows (per app and service, per local day from the dedup keys) and from
/// the bands the pricer applied (`InvoicePricer+Bands`). Checks that every breakdown adds up to
/// its line and throws if one does not (a bug, never a rounding difference).
struct LineExplainer {
    let state: PartitionState
    let catalogs: TariffCatalogSet
    let names: InvoiceInput.Names

    /// The explanation of `request`. `closed` is what is recorded about the invoice, if it was
    /// issued; `openInputs` the inputs of an open period (the state's partitions).
    /// - Throws: `.notFound` naming the unknown OB, period or component; `InvoicingError` when the
    ///   period cannot be priced (no tariff).
    func explain(_ request: ExplainRequest, closed: ClosedInvoiceRecord?, openInputs: InvoiceInputs) throws
        -> InvoiceExplanation
    {
        guard let period = Period(request.period) else {
            throw DaemonError(.usage, "period must be YYYY-MM", source: "period")
        }
        let ob = request.ob
        let rows = state.rowDays(ob: ob)
        let billedHere =
            rows.audit.contains { $0.usage.billedIn == period } || rows.gateway.contains { $0.usage.billedIn == period }
        let hasEvents = state.summary(ob: ob, period: period) != nil
        guard hasEvents || billedHere || closed != nil else {
            if rows.audit.isEmpty && rows.gateway.isEmpty {
                throw DaemonError(.notFound, "unknown OB \(ob): no usage and no invoice", source: "ob")
            }
            throw DaemonError(
                .notFound, "unknown period \(request.period) for OB \(ob): no usage and no invoice",
                source: "period")
        }
        let isClosed = closed != nil || state.isClosed(ob: ob, period: period)
        var input = InvoiceInputBuilder(state: state, names: names)
            .input(ob: ob, period: period, inputs: closed?.inputs ?? openInputs, forced: closed?.forced ?? false)
        input.invoiceNumber = closed?.invoiceNumber.flatMap(InvoiceNumber.init)
        let pricer = InvoicePricer(catalogs: catalogs)
        let invoice = try pricer.price(input)
        let currency = invoice.currency

        var lines: [InvoiceExplanation.Line] = []
        for line in invoice.components {
            let own = rows.audit.filter {
                $0.usage.period == period && $0.usage.billedIn == nil && $0.usage.component == line.componentID
            }
            let bands = try pricer.componentBands(
                ob: ob, period: request.period, component: line.componentID, queries: line.queries)
            lines.append(
                try self.line(
                    kind: "component", component: line.componentID, name: line.name, quantity: line.queries,
                    pricing: line.pricing, bands: bands, before: nil, amount: line.amount, currency: currency,
                    byAppService: own.map { ($0.usage.app, $0.usage.service, $0.usage.queries) },
                    days: own.map { ($0.usage.period, $0.days, $0.unkeyed) }, late: [],
                    billedLater: rows.audit.filter {
                        $0.usage.period == period && $0.usage.billedIn != nil
                            && $0.usage.component == line.componentID
                    }.map { ($0.usage.billedIn!, $0.usage.queries) }))
        }

        let requestRows = rows.gateway.filter {
            ($0.usage.period == period && $0.usage.billedIn == nil) || $0.usage.billedIn == period
        }
        lines.append(
            try self.line(
                kind: "requests", component: "requests", name: "Requests", quantity: invoice.totalRequests,
                pricing: "unit",
                bands: try pricer.requestBands(ob: ob, period: request.period, messages: invoice.totalRequests),
                before: nil, amount: invoice.totals.requests, currency: currency,
                byAppService: requestRows.map { ($0.usage.app, nil, $0.usage.messages) },
                days: requestRows.map { ($0.usage.period, $0.days, $0.unkeyed) },
                late: requestRows.filter { $0.usage.billedIn == period }.map { ($0.usage.period, $0.usage.messages) },
                billedLater: rows.gateway.filter { $0.usage.period == period && $0.usage.billedIn != nil }
                    .map { ($0.usage.billedIn!, $0.usage.messages) }))

        for line in invoice.adjustments {
            guard let original = Period(line.originalPeriod),
                let row = input.lateAdjustments.first(where: {
                    $0.originalPeriod == line.originalPeriod && $0.component == line.componentID
                })
            else {
                throw DaemonError(.close, "adjustment \(line.originalPeriod) \(line.componentID) has no late row")
            }
            let late = rows.audit.filter {
                $0.usage.billedIn == period && $0.usage.period == original && $0.usage.component == line.componentID
            }
            let bands = try pricer.adjustmentBands(
                ob: ob, originalPeriod: line.originalPeriod, component: line.componentID,
                originalQueries: row.originalQueries, lateQueries: row.lateQueries)
            var explained = try self.line(
                kind: "adjustment", component: line.componentID, name: line.name, quantity: line.lateQueries,
                pricing: try catalogs.tariff(ob: ob, period: line.originalPeriod).priceList
                    .price(component: line.componentID).pricingLabel,
                bands: bands.after, before: bands.before, amount: line.amount, currency: currency,
                byAppService: late.map { ($0.usage.app, $0.usage.service, $0.usage.queries) },
                days: late.map { ($0.usage.period, $0.days, $0.unkeyed) },
                late: [(original, line.lateQueries)], billedLater: [])
            explained.originalPeriod = line.originalPeriod
            explained.originalQuantity = row.originalQueries
            lines.append(explained)
        }

        if let component = request.component {
            lines = lines.filter { $0.component == component }
            guard !lines.isEmpty else {
                throw DaemonError(
                    .notFound, "unknown component \(component): no line of the \(ob) \(request.period) invoice",
                    source: "component")
            }
        }
        let summary = state.summary(ob: ob, period: period)
        let manifestTotal = closed?.manifest?.totals.total
        return InvoiceExplanation(
            ob: ob, period: request.period, currency: currency.code, status: isClosed ? "closed" : "open",
            provisional: !isClosed, invoiceNumber: closed?.invoiceNumber, revision: closed?.revision,
            manifestTotal: manifestTotal, closedAt: closed?.closedAt, timeZone: invoice.timeZone, lines: lines,
            monthlyFee: currency.format(invoice.totals.monthlyFee),
            minimumTopUp: currency.format(invoice.totals.minimumTopUp), total: currency.format(invoice.totals.total),
            duplicatesDropped: summary?.duplicates ?? 0, lateEvents: summary?.late ?? 0,
            inputs: .init(input.inputs))
    }

    /// One explained line; checks its breakdowns add up.
    private func line(
        kind: String, component: String, name: String, quantity: Int64, pricing: String, bands: [AppliedBand],
        before: [AppliedBand]?, amount: Money, currency: Currency,
        byAppService: [(app: String?, service: String?, quantity: Int64)],
        days: [(period: Period, days: [Int64], unkeyed: Int64)],
        late: [(period: Period, quantity: Int64)], billedLater: [(period: Period, quantity: Int64)]
    ) throws -> InvoiceExplanation.Line {
        var exact = Money.zero
        for band in bands { exact = try exact.adding(band.amount) }
        for band in before ?? [] { exact = try exact.subtracting(band.amount) }
        var apps: [String: InvoiceExplanation.AppService] = [:]
        for entry in byAppService {
            let key = (entry.app ?? "") + "\u{0}" + (entry.service ?? "")
            apps[
                key,
                default: .init(
                    app: entry.app, appName: entry.app.map { names.apps[$0] ?? $0 },
                    service: entry.service, quantity: 0)
            ].quantity += entry.quantity
        }
        var perDay: [String: Int64] = [:]
        var unknown: Int64 = 0
        for entry in days {
            unknown += entry.unkeyed
            for (i, count) in entry.days.enumerated() where count != 0 {
                perDay["\(entry.period)-\(i < 9 ? "0" : "")\(i + 1)", default: 0] += count
            }
        }
        let explained = InvoiceExplanation.Line(
            kind: kind, component: component, name: name, originalPeriod: nil, quantity: quantity, pricing: pricing,
            bands: bands.map(Self.band), bandsBefore: before.map { $0.map(Self.band) }, originalQuantity: nil,
            exactAmount: exact.description, amount: currency.format(amount),
            byAppService: apps.values.sorted { ($0.app ?? "", $0.service ?? "") < ($1.app ?? "", $1.service ?? "") },
            byDay: perDay.sorted { $0.key < $1.key }.map { .init(date: $0.key, quantity: $0.value) },
            daysUnknown: unknown,
            late: Self.grouped(late).map { .init(originalPeriod: $0.key, quantity: $0.value) },
            lateBilledLater: Self.grouped(billedLater).map { .init(billedIn: $0.key, quantity: $0.value) })
        let appSum = explained.byAppService.reduce(0) { $0 + $1.quantity }
        let daySum = explained.byDay.reduce(0) { $0 + $1.quantity } + unknown
        let bandQuantity = bands.reduce(0) { $0 + $1.quantity } - (before ?? []).reduce(0) { $0 + $1.quantity }
        guard appSum == quantity, daySum == quantity, bandQuantity == quantity, currency.round(exact) == amount else {
            throw DaemonError(
                .close,
                "explanation of \(component) does not add up: quantity \(quantity), per app \(appSum), per day "
                    + "\(daySum), bands \(bandQuantity), amount \(amount) vs \(exact)")
        }
        return explained
    }

    private static func band(_ band: AppliedBand) -> InvoiceExplanation.Band {
        .init(
            from: band.from, through: band.through, upTo: band.upTo, quantity: band.quantity,
            unitPrice: band.unitPrice.description, amount: band.amount.description)
    }

    private static func grouped(_ entries: [(period: Period, quantity: Int64)]) -> [(key: String, value: Int64)] {
        var sums: [Period: Int64] = [:]
        for entry in entries { sums[entry.period, default: 0] += entry.quantity }
        return sums.sorted { $0.key < $1.key }.map { ($0.key.description, $0.value) }
    }
}
