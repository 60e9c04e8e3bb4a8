/// An ISO 4217 currency with its minor unit (number of decimals an amount is rounded to).
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    /// The alphabetic code (`EUR`).
    public let code: String
    /// Decimals of the minor unit (JPY 0, EUR 2, BHD 3).
    public let minorUnit: Int

    /// The currency for an ISO 4217 code, or `nil` when the code is not in the table.
    public init?(code: String) {
        guard let minor = Currency.minorUnits[code] else { return nil }
        self.code = code
        self.minorUnit = minor
    }

    public var description: String { code }

    /// Rounds an exact amount half-to-even to this currency's minor unit.
    public func round(_ amount: Money) -> Money { amount.rounded(toDecimals: minorUnit) }

    /// Writes a rounded amount with exactly the minor unit's decimals.
    public func format(_ amount: Money) -> String { amount.formatted(decimals: minorUnit) }

    /// ISO 4217 minor units of active currencies (the commonly invoiced ones; extend as needed).
    static let minorUnits: [String: Int] = [
        // 2 decimals
        "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "BRL": 2, "MXN": 2, "ARS": 2, "COP": 2, "PEN": 2,
        "UYU": 2, "VES": 2, "BOB": 2, "CRC": 2, "DOP": 2, "GTQ": 2, "HNL": 2, "NIO": 2,
        "PAB": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2,
        "HUF": 2, "RON": 2, "BGN": 2, "TRY": 2, "ZAR": 2, "INR": 2, "CNY": 2, "HKD": 2, "SGD": 2,
        "MYR": 2, "THB": 2, "PHP": 2, "IDR": 2, "ILS": 2, "AED": 2, "SAR": 2, "QAR": 2, "EGP": 2,
        "MAD": 2, "NGN": 2, "KES": 2, "RUB": 2, "UAH": 2, "TWD": 2,
        // 0 decimals
        "JPY": 0, "CLP": 0, "PYG": 0, "KRW": 0, "ISK": 0, "VND": 0, "XAF": 0, "XOF": 0, "UGX": 0, "RWF": 0,
        "KMF": 0, "DJF": 0, "GNF": 0, "VUV": 0, "XPF": 0, "BIF": 0,
        // 3 decimals
        "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3, "OMR": 3, "IQD": 3, "LYD": 3,
        // 4 decimals
        "CLF": 4, "UYW": 4,
    ]
}
