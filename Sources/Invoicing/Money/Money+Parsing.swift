extension Money {
    /// Parses a plain decimal string: optional `-`, digits, optional `.` and at most six digits.
    ///
    /// No exponent, no grouping, no whitespace. Throws `.invalidDecimal` naming the text (and why),
    /// or `.overflow` for values beyond the 128-bit range.
    public init(parsing text: String) throws(InvoicingError) {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        guard !bytes.isEmpty else {
            throw InvoicingError(.invalidDecimal, "'\(text)' is not a decimal number")
        }
        var integer: Int128 = 0
        var fraction: Int128 = 0
        var fractionDigits = 0
        var seenPoint = false
        var integerDigits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if seenPoint { throw InvoicingError(.invalidDecimal, "'\(text)' has two decimal points") }
                seenPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw InvoicingError(.invalidDecimal, "'\(text)' is not a plain decimal number (digits and one '.')")
            }
            let digit = Int128(byte - UInt8(ascii: "0"))
            if seenPoint {
                fractionDigits += 1
                if fractionDigits > Money.scale {
                    throw InvoicingError(.invalidDecimal, "'\(text)' has more than \(Money.scale) decimal places")
                }
                fraction = fraction * 10 + digit
            } else {
                integerDigits += 1
                if integerDigits > 30 { throw InvoicingError(.overflow, "'\(text)' is too large") }
                integer = integer * 10 + digit
            }
        }
        if integerDigits == 0 || (seenPoint && fractionDigits == 0) {
            throw InvoicingError(.invalidDecimal, "'\(text)' needs digits on both sides of '.'")
        }
        for _ in fractionDigits..<Money.scale { fraction *= 10 }
        let (scaledInteger, overflow) = integer.multipliedReportingOverflow(by: Money.unit)
        if overflow { throw InvoicingError(.overflow, "'\(text)' is too large") }
        let magnitude = scaledInteger + fraction
        self.init(scaled: negative ? -magnitude : magnitude)
    }
}
