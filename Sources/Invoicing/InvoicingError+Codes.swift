extension InvoicingError.Code {
    /// A price or amount string is not a valid fixed-point decimal.
    public static let invalidDecimal = Self("invalid-decimal")
    /// A fixed-point computation exceeded the representable range.
    public static let overflow = Self("overflow")
    /// A tariff catalog is malformed (the message lists every problem with file:line).
    public static let catalog = Self("catalog")
    /// No catalog, price list or OB tariff applies to the requested period/OB.
    public static let noTariff = Self("no-tariff")
    /// Pricing inputs are inconsistent (currency changes between periods, bad period).
    public static let pricing = Self("pricing")
    /// Reading or writing a workbook, manifest or invoice directory failed.
    public static let io = Self("io")
    /// A workbook could not be parsed back.
    public static let workbook = Self("workbook")
    /// A workbook or manifest does not match its recomputation.
    public static let verification = Self("verification")
    /// Delivery to a destination failed.
    public static let delivery = Self("delivery")
    /// A configuration file is malformed.
    public static let configuration = Self("configuration")
    /// A transport failure (connection, timeout) that a retry may cure.
    public static let transport = Self("transport")
}
