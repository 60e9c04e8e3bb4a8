/// One band of a tiered price: queries up to `upTo` (inclusive, cumulative) at `unitPrice`.
public struct TierBand: Sendable, Hashable {
    /// Inclusive upper bound of the band in queries; `nil` for the open last band.
    public var upTo: Int64?
    /// Price per query within the band.
    public var unitPrice: Money

    public init(upTo: Int64?, unitPrice: Money) {
        self.upTo = upTo
        self.unitPrice = unitPrice
    }
}
