/// One band of a price as applied to a quantity: `quantity` queries (or messages) at `unitPrice`,
/// so `amount == unitPrice × quantity` exactly. The bands of a line add up to its exact
/// (unrounded) amount; the line's amount is that sum rounded half-even to the currency.
public struct AppliedBand: Sendable, Hashable {
    /// First unit of the band (1-based, cumulative over the line's quantity).
    public var from: Int64
    /// Last unit of the band (inclusive); for a volume price the whole quantity.
    public var through: Int64
    /// The band's upper bound in the price list; `nil` for an open band or a unit price.
    public var upTo: Int64?
    public var quantity: Int64
    public var unitPrice: Money
    /// `unitPrice × quantity`, exact.
    public var amount: Money

    public init(from: Int64, through: Int64, upTo: Int64?, quantity: Int64, unitPrice: Money, amount: Money) {
        self.from = from
        self.through = through
        self.upTo = upTo
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
    }
}
