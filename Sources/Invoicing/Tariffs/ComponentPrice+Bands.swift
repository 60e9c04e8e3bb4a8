extension ComponentPrice {
    /// The bands `amount(queries:)` prices `queries` with, each with its quantity and exact
    /// amount; their amounts add up to `amount(queries:)`. No band for zero queries.
    public func bands(queries: Int64) throws(InvoicingError) -> [AppliedBand] {
        guard queries > 0 else { return [] }
        switch self {
        case .unit(let price):
            return [
                AppliedBand(
                    from: 1, through: queries, upTo: nil, quantity: queries, unitPrice: price,
                    amount: try price.multiplied(by: queries))
            ]
        case .tiered(.volume, let bands):
            for band in bands where band.upTo.map({ queries <= $0 }) ?? true {
                return [
                    AppliedBand(
                        from: 1, through: queries, upTo: band.upTo, quantity: queries, unitPrice: band.unitPrice,
                        amount: try band.unitPrice.multiplied(by: queries))
                ]
            }
            throw InvoicingError(.pricing, "no volume band covers \(queries) queries (last band must be open)")
        case .tiered(.graduated, let bands):
            var applied: [AppliedBand] = []
            var lower: Int64 = 0
            for band in bands {
                guard queries > lower else { break }
                let upper = band.upTo.map { min($0, queries) } ?? queries
                if upper > lower {
                    applied.append(
                        AppliedBand(
                            from: lower + 1, through: upper, upTo: band.upTo, quantity: upper - lower,
                            unitPrice: band.unitPrice, amount: try band.unitPrice.multiplied(by: upper - lower)))
                }
                lower = band.upTo ?? queries
            }
            if queries > lower {
                throw InvoicingError(
                    .pricing, "no graduated band covers queries above \(lower) (last band must be open)")
            }
            return applied
        }
    }
}
