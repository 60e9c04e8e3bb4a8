/// A party named on the invoice: the issuer (catalog `issuer`) or an OB's `bill_to`.
public struct InvoiceParty: Sendable, Hashable {
    public var legalName: String
    /// Tax identifier (VAT number, CNPJ, ...); nil when the catalog gives none.
    public var taxID: String?
    /// Postal address, one line each, printed in order.
    public var addressLines: [String]

    public init(legalName: String, taxID: String? = nil, addressLines: [String] = []) {
        self.legalName = legalName
        self.taxID = taxID
        self.addressLines = addressLines
    }
}
