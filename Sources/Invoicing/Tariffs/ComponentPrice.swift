/// The price of one component's queries: a flat unit price or tiered bands.
public enum ComponentPrice: Sendable, Hashable {
    /// Every query at one price.
    case unit(Money)
    /// Bands applied to the OB's total queries of the component; the last band is open.
    case tiered(TierMode, [TierBand])

    /// The label printed in the Components sheet's Pricing column.
    public var pricingLabel: String {
        switch self {
        case .unit: "unit"
        case .tiered(let mode, _): mode.rawValue
        }
    }

    /// The exact (unrounded) amount for `queries` queries: the sum of its `bands(queries:)`.
    public func amount(queries: Int64) throws(InvoicingError) -> Money {
        var total = Money.zero
        for band in try bands(queries: queries) { total = try total.adding(band.amount) }
        return total
    }
}
