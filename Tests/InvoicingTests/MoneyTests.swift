import Invoicing
import Testing

@Suite("Money and Currency")
struct MoneyTests {
    @Test(
        "parses plain decimal strings exactly",
        arguments: [
            ("0.0025", Int128(2_500)), ("12", Int128(12_000_000)), ("-3.5", Int128(-3_500_000)),
            ("0.000001", Int128(1)), ("123456789012.123456", Int128(123_456_789_012_123_456)),
        ])
    func parses(text: String, scaled: Int128) throws {
        #expect(try Money(parsing: text).scaled == scaled)
    }

    @Test(
        "refuses floats' spellings, excess decimals and junk",
        arguments: [
            "1e-3", "0.0000001", "1,5", " 1.0", "1.", ".5", "", "-", "1.2.3", "0x10", "NaN",
        ])
    func refuses(text: String) {
        #expect(throws: InvoicingError.self) { try Money(parsing: text) }
    }

    @Test(
        "rounds half to even at the minor unit",
        arguments: [
            ("2.345", 2, "2.34"), ("2.355", 2, "2.36"), ("2.3450001", 2, nil), ("-2.345", 2, "-2.34"),
            ("-2.355", 2, "-2.36"), ("0.5", 0, "0"), ("1.5", 0, "2"), ("2.5", 0, "2"), ("2.500001", 0, "3"),
            ("0.0005", 3, "0.000"), ("0.0015", 3, "0.002"), ("1.23456", 3, "1.235"),
        ] as [(String, Int, String?)])
    func roundsHalfEven(text: String, decimals: Int, expected: String?) throws {
        guard let expected else {
            #expect(throws: InvoicingError.self) { try Money(parsing: text) }
            return
        }
        let value = try Money(parsing: text).rounded(toDecimals: decimals)
        #expect(value.formatted(decimals: decimals) == expected)
    }

    @Test("multiplies a price by a count exactly and throws on overflow")
    func multiplication() throws {
        let price = try Money(parsing: "0.000001")
        #expect(try price.multiplied(by: 3_000_000_007).formatted(decimals: 6) == "3000.000007")
        let huge = Money(scaled: Int128.max / 2)
        #expect(throws: InvoicingError.self) { try huge.multiplied(by: 3) }
        #expect(throws: InvoicingError.self) { try huge.adding(huge).adding(huge) }
    }

    @Test("currency minor units follow ISO 4217")
    func minorUnits() throws {
        let expected = [
            "EUR": 2, "USD": 2, "BRL": 2, "CLP": 0, "JPY": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3, "CHF": 2,
        ]
        for (code, minor) in expected {
            #expect(Currency(code: code)?.minorUnit == minor, "\(code)")
        }
        #expect(Currency(code: "XXX") == nil)
        #expect(Currency(code: "eur") == nil)
        let bhd = try #require(Currency(code: "BHD"))
        #expect(bhd.format(bhd.round(try Money(parsing: "10.12345"))) == "10.123")
    }
}
