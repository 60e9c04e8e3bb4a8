/// Everything that prices one OB in one period: the catalog, the price list and the OB's overrides applied.
public struct ResolvedTariff: Sendable, Hashable {
    public var catalogVersion: String
    public var catalogSHA256: String
    public var catalogFile: String
    public var priceList: PriceList
    public var model: String
    public var timeZone: String?
    public var monthlyFee: Money
    public var minimum: Money
    public var issuer: InvoiceParty?
    public var billTo: InvoiceParty?
    public var paymentTermsDays: Int?
    public var currency: Currency { priceList.currency }
}
