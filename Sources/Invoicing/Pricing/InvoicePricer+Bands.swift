/// The bands behind each amount `price(_:)` computes (`aura-billing explain`): the same tariff
/// lookups and the same `ComponentPrice.bands(queries:)` the amounts are the sum of, so a line's
/// amount is reproduced by hand as Σ quantity × unit price, rounded half-even once.
extension InvoicePricer {
    /// The bands of a component line: the OB's `queries` of `component` in `period`.
    public func componentBands(ob: String, period: String, component: String, queries: Int64)
        throws(InvoicingError) -> [AppliedBand]
    {
        try catalogs.tariff(ob: ob, period: period).priceList.price(component: component).bands(queries: queries)
    }

    /// The band of the requests line: every message at the request price.
    public func requestBands(ob: String, period: String, messages: Int64) throws(InvoicingError) -> [AppliedBand] {
        try ComponentPrice.unit(catalogs.tariff(ob: ob, period: period).priceList.requestPrice).bands(
            queries: messages)
    }

    /// The bands of an adjustment line, priced with the original period's catalog: the bands
    /// of the queries already invoiced (`before`) and of those plus the late ones (`after`);
    /// the line's amount is Σ after − Σ before, rounded.
    public func adjustmentBands(
        ob: String, originalPeriod: String, component: String, originalQueries: Int64, lateQueries: Int64
    ) throws(InvoicingError) -> (before: [AppliedBand], after: [AppliedBand]) {
        let price = try catalogs.tariff(ob: ob, period: originalPeriod).priceList.price(component: component)
        return (
            try price.bands(queries: originalQueries),
            try price.bands(queries: try Self.add(originalQueries, lateQueries))
        )
    }
}
