/// An exact fixed-point decimal with six fractional digits, stored as a scaled 128-bit integer.
///
/// Prices have up to six decimal places (docs/spec.md §5), so a query count times a unit price, and any sum
/// of such products, is exact in this representation. Arithmetic throws ``InvoicingError`` with code
/// `.overflow` instead of wrapping. There is no conversion from or to binary floating point.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Number of fractional digits kept.
    public static let scale = 6
    /// 10^scale.
    static let unit: Int128 = 1_000_000

    /// The value times 10^6.
    public let scaled: Int128

    /// A value from its scaled representation (value × 10^6).
    public init(scaled: Int128) { self.scaled = scaled }

    /// An integral amount (a query count, for instance).
    public init(_ integer: Int64) { self.scaled = Int128(integer) * Money.unit }

    public static let zero = Money(scaled: 0)

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.scaled < rhs.scaled }

    /// The sum; throws on overflow.
    public func adding(_ other: Money) throws(InvoicingError) -> Money {
        let (sum, overflow) = scaled.addingReportingOverflow(other.scaled)
        if overflow { throw InvoicingError(.overflow, "amount overflow adding \(self) and \(other)") }
        return Money(scaled: sum)
    }

    /// The difference; throws on overflow.
    public func subtracting(_ other: Money) throws(InvoicingError) -> Money {
        let (diff, overflow) = scaled.subtractingReportingOverflow(other.scaled)
        if overflow { throw InvoicingError(.overflow, "amount overflow subtracting \(other) from \(self)") }
        return Money(scaled: diff)
    }

    /// This price times an integral quantity, exactly; throws on overflow.
    public func multiplied(by quantity: Int64) throws(InvoicingError) -> Money {
        let (product, overflow) = scaled.multipliedReportingOverflow(by: Int128(quantity))
        if overflow { throw InvoicingError(.overflow, "amount overflow multiplying \(self) by \(quantity)") }
        return Money(scaled: product)
    }

    /// Rounds half-to-even to `decimals` fractional digits (0...6).
    public func rounded(toDecimals decimals: Int) -> Money {
        // Invariant: callers pass a currency's minor unit (0...4).
        precondition((0...Money.scale).contains(decimals), "decimals within 0...6")
        if decimals == Money.scale { return self }
        var divisor: Int128 = 1
        for _ in 0..<(Money.scale - decimals) { divisor *= 10 }
        let quotient = scaled / divisor  // truncates toward zero
        let remainder = scaled % divisor  // same sign as scaled
        let twice = remainder.magnitude * 2
        var q = quotient
        if twice > divisor.magnitude || (twice == divisor.magnitude && q % 2 != 0) {
            q += scaled < 0 ? -1 : 1
        }
        return Money(scaled: q * divisor)
    }

    /// The larger of this value and zero.
    public var clampedToZero: Money { scaled < 0 ? .zero : self }

    /// Number of fractional digits needed to write this value exactly (0...6).
    public var significantDecimals: Int {
        var value = scaled.magnitude
        var digits = Money.scale
        while digits > 0 && value % 10 == 0 {
            value /= 10
            digits -= 1
        }
        return digits
    }

    /// The value with all six decimals (`"0.002500"`).
    public var description: String { formatted(decimals: Money.scale) }

    /// The value written with exactly `decimals` fractional digits; the value must already be
    /// rounded to at most that many (extra digits are truncated otherwise).
    public func formatted(decimals: Int) -> String {
        let magnitude = scaled.magnitude
        let integerPart = magnitude / UInt128(Money.unit)
        var fraction = String(magnitude % UInt128(Money.unit))
        fraction = String(repeating: "0", count: Money.scale - fraction.count) + fraction
        var text = scaled < 0 ? "-" : ""
        text += String(integerPart)
        if decimals > 0 {
            text += "." + fraction.prefix(decimals)
        }
        return text
    }
}
