import Aggregation
import Invoicing

/// Prices the running invoice of an (OB, period) from a merged state without closing anything:
/// the `InvoiceInput` the close builds (`InvoiceInputBuilder`), priced by the close's pricer
/// (`InvoicePricer`), so the lines, rounding and total are the invoice's. Readiness comes from the
/// close's own plan (`ClosePlan`). Pure: reads a `LiveStateView`, writes nothing.
struct InvoicePreviewer {
    let context: InvoicingContext

    /// The priced invoice of (ob, period) from `state`, as a close of it would price it now.
    /// `offsets` only fill the input's provenance (they do not change any amount).
    /// - Throws: `DaemonError(.notFound)` without a tariff catalog for the period; pricing errors.
    static func price(
        ob: String, period: Period, from state: PartitionState, catalogs: TariffCatalogSet,
        names: InvoiceInput.Names, offsets: [InvoiceInputs.OffsetRange] = []
    ) throws -> PricedInvoice {
        let input = InvoiceInputBuilder(state: state, names: names)
            .input(ob: ob, period: period, inputs: InvoiceInputs(offsets: offsets), forced: false)
        if case .failure(let error) = Result(catching: { () throws(InvoicingError) in
            try catalogs.tariff(ob: ob, period: period.description)
        }), error.code == .noTariff {
            throw DaemonError(.notFound, "no tariff for \(ob) in \(period): \(error.message)", source: "period")
        }
        return try InvoicePricer(catalogs: catalogs).price(input)
    }

    /// The running invoice `request` names, from `view`, at `nowMs`.
    /// - Throws: `DaemonError(.notFound)` for an unknown OB or period (the message names it),
    ///   `.configuration` without a tariff catalog, pricing errors.
    func preview(_ request: PreviewRequest, view: LiveStateView, nowMs: Int64) throws -> InvoicePreview {
        let (ob, period) = try resolve(request, view: view, nowMs: nowMs)
        let snapshot = context.snapshot
        guard let catalogs = snapshot.catalogs else {
            throw DaemonError(.configuration, "no tariff catalog configured (tariffs.path)", source: "tariffs.path")
        }
        var facts = view.facts
        facts.nowMs = nowMs
        let invoice = try Self.price(
            ob: ob, period: period, from: view.state, catalogs: catalogs, names: snapshot.dimensions.names,
            offsets: ClosePlan.offsets(facts.partitions))
        return InvoicePreview(
            ob: ob, period: period.description, currency: invoice.currency.code, provisional: true,
            country: invoice.country, timeZone: invoice.timeZone, catalogVersion: invoice.catalogVersion,
            totalQueries: invoice.totalQueries, totalRequests: invoice.totalRequests,
            lines: Self.lines(invoice), totals: Self.totals(invoice),
            total: invoice.currency.format(invoice.totals.total),
            freshness: Self.freshness(view), readiness: Self.readiness(ob: ob, period: period, view: view, facts: facts)
        )
    }

    /// The OB and period of `request`, checked against `view`: an OB without a time zone is
    /// unknown; a period after the OB's current one, past its late horizon, or earlier with
    /// neither events nor a close nor late events billed in it, is unknown.
    func resolve(_ request: PreviewRequest, view: LiveStateView, nowMs: Int64) throws -> (String, Period) {
        let ob = request.ob
        guard let calendar = view.state.zones.calendar(forOB: ob) else {
            throw DaemonError(.notFound, "unknown OB \(ob): no time zone and no events for it", source: "ob")
        }
        let current = try calendar.period(ofUTCMillis: nowMs)
        guard let text = request.period else { return (ob, current) }
        guard let period = Period(text) else { throw DaemonError(.usage, "period must be YYYY-MM", source: "period") }
        if period > current {
            throw DaemonError(
                .notFound, "unknown period \(text) for \(ob): it has not begun (current period \(current))",
                source: "period")
        }
        let key = ClosePlan.Key(ob: ob, period: period)
        if view.facts.retired.contains(key) {
            throw DaemonError(
                .notFound, "period \(text) of \(ob) is past its late horizon: its detail is compacted", source: "period"
            )
        }
        let used =
            period == current || view.facts.periods.contains(key) || view.state.isClosed(ob: ob, period: period)
            || !view.state.lateAuditUsage(ob: ob, billedIn: period).isEmpty
            || !view.state.lateGatewayUsage(ob: ob, billedIn: period).isEmpty
        guard used else {
            throw DaemonError(.notFound, "unknown period \(text) for \(ob): no events in it", source: "period")
        }
        return (ob, period)
    }

    /// The invoice's lines in workbook order.
    static func lines(_ invoice: PricedInvoice) -> [InvoicePreview.Line] {
        let currency = invoice.currency
        var lines = invoice.components.map {
            InvoicePreview.Line(
                kind: "component", component: $0.componentID, name: $0.name, quantity: $0.queries, pricing: $0.pricing,
                unitPrice: $0.unitPrice.map { Self.unitPrice($0, currency) }, amount: currency.format($0.amount))
        }
        lines.append(
            InvoicePreview.Line(
                kind: "requests", name: "Requests", quantity: invoice.totalRequests, pricing: "unit",
                unitPrice: Self.unitPrice(invoice.requestUnitPrice, currency),
                amount: currency.format(invoice.totals.requests)))
        lines.append(
            InvoicePreview.Line(
                kind: "monthly_fee", name: "Monthly fee", amount: currency.format(invoice.totals.monthlyFee)))
        lines += invoice.adjustments.map {
            InvoicePreview.Line(
                kind: "adjustment", component: $0.componentID, name: $0.name, quantity: $0.lateQueries,
                originalPeriod: $0.originalPeriod, amount: currency.format($0.amount))
        }
        lines.append(
            InvoicePreview.Line(
                kind: "minimum_top_up", name: "Minimum top-up (minimum \(currency.format(invoice.totals.minimum)))",
                amount: currency.format(invoice.totals.minimumTopUp)))
        return lines
    }

    /// A unit price with every significant decimal (at least the currency's).
    static func unitPrice(_ money: Money, _ currency: Currency) -> String {
        money.formatted(decimals: max(currency.minorUnit, money.significantDecimals))
    }

    static func totals(_ invoice: PricedInvoice) -> InvoicePreview.Totals {
        let (c, t) = (invoice.currency, invoice.totals)
        return InvoicePreview.Totals(
            components: c.format(t.components), requests: c.format(t.requests), monthlyFee: c.format(t.monthlyFee),
            adjustments: c.format(t.adjustments), minimum: c.format(t.minimum), minimumTopUp: c.format(t.minimumTopUp),
            total: c.format(t.total))
    }

    static func freshness(_ view: LiveStateView) -> InvoicePreview.Freshness {
        InvoicePreview.Freshness(
            source: view.source.rawValue, asOf: InvoicePreview.utc(view.takenAtMs),
            lastCheckpoint: view.lastCheckpointMs.map(InvoicePreview.utc),
            partitions: view.partitions.map {
                InvoicePreview.PartitionFreshness(
                    topic: $0.key.topic, partition: $0.key.partition, watermark: $0.watermarkMs.map(InvoicePreview.utc),
                    nextOffset: $0.nextOffset, lag: $0.lag)
            })
    }

    /// Readiness by the close's plan: what `close --period P --ob OB` (without force) would do now.
    static func readiness(ob: String, period: Period, view: LiveStateView, facts: ClosePlan.Facts)
        -> InvoicePreview.Readiness
    {
        let due = facts.zones.calendar(forOB: ob)?.end(of: period).map { $0 + facts.graceMs }
        if view.state.isClosed(ob: ob, period: period) {
            return InvoicePreview.Readiness(
                ready: false, closed: true, readyAt: due.map(InvoicePreview.utc), blockedBy: [])
        }
        let plan = ClosePlan(scope: .period(period.description, ob: ob, force: false), facts: facts)
        let ready = plan.targets.contains { $0.ob == ob && $0.period == period }
        var blocked = plan.notReady.map { "not ready: \($0.description)" } + plan.errors
        if !ready, let due {
            for p in facts.partitions {
                let effective = p.idle ? max(facts.nowMs, p.watermarkMs ?? .min) : p.watermarkMs
                guard let effective else {
                    blocked.append("\(p.key): no event yet and not caught up")
                    continue
                }
                if effective < due {
                    blocked.append(
                        p.idle
                            ? "\(p.key): caught up; the wall clock reaches \(InvoicePreview.utc(due)) later"
                            : "\(p.key): watermark \(InvoicePreview.utc(effective)) before \(InvoicePreview.utc(due))")
                }
            }
        }
        return InvoicePreview.Readiness(
            ready: ready, closed: false, readyAt: due.map(InvoicePreview.utc), blockedBy: blocked)
    }
}
