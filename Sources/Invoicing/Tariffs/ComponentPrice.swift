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

    /// The exact (unrounded) amount for `queries` queries.
    public func amount(queries: Int64) throws(InvoicingError) -> Money {
        switch self {
        case .unit(let price):
            return try price.multiplied(by: queries)
        case .tiered(.volume, let bands):
            for band in bands where band.upTo.map({ queries <= $0 }) ?? true {
                return try band.unitPrice.multiplied(by: queries)
            }
            throw InvoicingError(.pricing, "no volume band covers \(queries) queries (last band must be open)")
        case .tiered(.graduated, let bands):
            var total = Money.zero
            var lower: Int64 = 0
            for band in bands {
                guard queries > lower else { break }
                let upper = band.upTo.map { min($0, queries) } ?? queries
                if upper > lower {
                    total = try total.adding(band.unitPrice.multiplied(by: upper - lower))
                }
                lower = band.upTo ?? queries
            }
            if queries > lower {
                throw InvoicingError(
                    .pricing, "no graduated band covers queries above \(lower) (last band must be open)")
            }
            return total
        }
    }
}
