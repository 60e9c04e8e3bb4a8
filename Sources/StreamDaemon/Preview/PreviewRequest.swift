/// `GET /v1/invoices/preview?ob=ESP[&period=YYYY-MM]`, validated (malformed → `.usage`, 400).
package struct PreviewRequest: Sendable, Equatable {
    package var ob: String
    /// Nil: the OB's current open period (the month now in its time zone).
    package var period: String?

    /// Parses the query values; throws `.usage` naming the bad parameter.
    package init(ob: String?, period: String?) throws(DaemonError) {
        guard let ob, !ob.isEmpty else { throw DaemonError(.usage, "ob is required (e.g. ob=ESP)", source: "ob") }
        guard ob.utf8.count == 3 && ob.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw DaemonError(.usage, "ob must be an ISO 3166 alpha-3 code such as ESP, not `\(ob)`", source: "ob")
        }
        if let period, !AdminCloseRequest.isPeriod(period) {
            throw DaemonError(.usage, "period must be YYYY-MM, not `\(period)`", source: "period")
        }
        self.ob = ob
        self.period = period
    }
}
