/// `POST /admin/close?period=YYYY-MM[&ob=ESP][&force=true]`, validated.
package struct AdminCloseRequest: Sendable, Equatable {
    package var period: String
    package var ob: String?
    package var force: Bool

    /// Parses the query values; throws `.usage` naming the bad parameter.
    package init(period: String?, ob: String?, force: String?) throws(DaemonError) {
        guard let period, Self.isPeriod(period) else {
            throw DaemonError(.usage, "period must be YYYY-MM", source: "period")
        }
        if let ob, !(ob.utf8.count == 3 && ob.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }) {
            throw DaemonError(.usage, "ob must be an ISO 3166 alpha-3 code such as ESP", source: "ob")
        }
        self.period = period
        self.ob = ob
        self.force = force == "true" || force == "1"
    }

    package static func isPeriod(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 7, b[4] == UInt8(ascii: "-") else { return false }
        let digits = b[0..<4] + b[5..<7]
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        let month = Int(b[5] - 48) * 10 + Int(b[6] - 48)
        return (1...12).contains(month)
    }
}
