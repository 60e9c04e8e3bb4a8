/// A billing period: one calendar month, stored compactly as `year * 12 + (month - 1)`.
package struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// `year * 12 + (month - 1)`.
    package var rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }

    /// - Precondition: `1 <= month <= 12` (programming error otherwise).
    package init(year: Int, month: Int) {
        // Invariant: callers pass a calendar month; parsed input goes through init?(_:).
        precondition((1...12).contains(month), "month must be 1...12")
        rawValue = Int32(year * 12 + month - 1)
    }

    /// Parses `YYYY-MM`; `nil` when malformed.
    package init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month)
        else { return nil }
        self.init(year: year, month: month)
    }

    package var year: Int { Int(rawValue.dividedRoundingDown(by: 12)) }
    package var month: Int { Int(rawValue - Int32(year) * 12) + 1 }

    package var next: Period { Period(rawValue: rawValue + 1) }
    package var previous: Period { Period(rawValue: rawValue - 1) }

    /// `YYYY-MM`.
    package var description: String {
        let m = month
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + (m < 10 ? "-0" : "-") + String(m)
    }

    package static func < (a: Period, b: Period) -> Bool { a.rawValue < b.rawValue }
}

extension Int32 {
    fileprivate func dividedRoundingDown(by d: Int32) -> Int32 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
