/// A priced invoice: every line of every sheet, amounts rounded to the currency's minor unit.
public struct PricedInvoice: Sendable, Hashable {
    /// One row of the Components sheet.
    public struct ComponentLine: Sendable, Hashable {
        public var componentID: String
        public var name: String
        public var queries: Int64
        /// `unit`, `graduated` or `volume`.
        public var pricing: String
        /// Blank (`nil`) when tiered.
        public var unitPrice: Money?
        public var amount: Money
    }

    /// One row of the Usage sheet.
    public struct UsageLine: Sendable, Hashable {
        public var componentID: String
        public var componentName: String
        public var appID: String
        public var appName: String
        public var service: String
        public var queries: Int64
    }

    /// One per-app row of the Requests sheet.
    public struct RequestLine: Sendable, Hashable {
        public var appID: String
        public var appName: String
        public var messages: Int64
        public var nlpMessages: Int64
    }

    /// One row of the Adjustments sheet.
    public struct AdjustmentLine: Sendable, Hashable {
        public var originalPeriod: String
        public var componentID: String
        public var name: String
        public var lateQueries: Int64
        public var amount: Money
    }

    /// The invoice's totals (all rounded to the minor unit).
    public struct Totals: Sendable, Hashable {
        public var components: Money
        public var requests: Money
        public var monthlyFee: Money
        public var adjustments: Money
        public var minimum: Money
        public var minimumTopUp: Money
        public var total: Money
    }

    public var ob: String
    public var country: String
    public var period: String
    public var currency: Currency
    public var model: String
    public var catalogVersion: String
    public var catalogSHA256: String
    public var catalogFile: String
    public var totalRequests: Int64
    public var totalQueries: Int64
    public var totalNLPMessages: Int64
    public var components: [ComponentLine]
    public var usage: [UsageLine]
    public var requests: [RequestLine]
    public var requestUnitPrice: Money
    public var totals: Totals
    public var adjustments: [AdjustmentLine]
    /// The OB's IANA time zone for the period, when known.
    public var timeZone: String?
    public var issuer: InvoiceParty?
    public var billTo: InvoiceParty?
    public var paymentTermsDays: Int?
    public var invoiceNumber: InvoiceNumber?
}
