/// An OB's entry in a catalog's `obs` (or `default_ob`).
public struct OBTariff: Sendable, Hashable {
    /// Name of the price list in the same catalog.
    public var priceList: String
    /// IANA time zone overriding the country dimension's.
    public var timeZone: String?
    /// Invoicing model label printed on the invoice.
    public var model: String?
    /// Overrides the price list's minimum.
    public var minimum: Money?
    /// Overrides the price list's monthly fee.
    public var monthlyFee: Money?
    /// Whom the invoice is addressed to (`bill_to`); nil when the catalog has none.
    public var billTo: InvoiceParty?
}
