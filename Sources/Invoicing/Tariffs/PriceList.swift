/// A named price list of a catalog (docs/spec.md §5).
public struct PriceList: Sendable, Hashable {
    public var name: String
    public var currency: Currency
    /// Per query, for components not listed in `components`.
    public var defaultUnitPrice: Money
    /// Per gateway message.
    public var requestPrice: Money
    public var monthlyFee: Money
    public var minimum: Money
    /// Prices by component id.
    public var components: [String: ComponentPrice]

    /// The price of a component: its own entry or the default unit price.
    public func price(component: String) -> ComponentPrice {
        components[component] ?? .unit(defaultUnitPrice)
    }
}
