/// One parsed, valid tariff catalog file (docs/spec.md §5).
public struct TariffCatalog: Sendable, Hashable {
    public var version: String
    /// First month (`YYYY-MM`) the catalog applies to.
    public var effectiveFrom: String
    public var priceLists: [String: PriceList]
    public var obs: [String: OBTariff]
    public var defaultOB: OBTariff
    /// Who issues the invoices (`issuer`); nil when the catalog has none.
    public var issuer: InvoiceParty?
    /// Days from the issue date to the due date (`payment_terms_days`); nil when not set.
    public var paymentTermsDays: Int?
    /// Prefix of invoice numbers (`invoice_prefix`); nil when not set.
    public var invoicePrefix: String?
    /// Path of the file it was read from.
    public var file: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String

    /// The tariff of `ob`: its own entry or `default_ob`, with overrides applied.
    public func tariff(ob: String) throws(InvoicingError) -> ResolvedTariff {
        let entry = obs[ob] ?? defaultOB
        guard let list = priceLists[entry.priceList] else {
            throw InvoicingError(.noTariff, "price list '\(entry.priceList)' of OB \(ob) is not defined", source: file)
        }
        return ResolvedTariff(
            catalogVersion: version, catalogSHA256: sha256, catalogFile: file, priceList: list,
            model: entry.model ?? "", timeZone: entry.timeZone,
            monthlyFee: entry.monthlyFee ?? list.monthlyFee, minimum: entry.minimum ?? list.minimum,
            issuer: issuer, billTo: entry.billTo, paymentTermsDays: paymentTermsDays)
    }
}
