/// How a tiered component's bands apply to the OB's total queries (docs/spec.md §5).
public enum TierMode: String, Sendable, Hashable {
    /// Each band's queries at that band's price.
    case graduated
    /// All queries at the price of the band the total falls in.
    case volume
}
