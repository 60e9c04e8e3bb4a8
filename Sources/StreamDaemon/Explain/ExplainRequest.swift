/// `explain` parameters, validated: OB (ISO 3166 alpha-3), period (`YYYY-MM`) and an optional
/// component id (`requests` selects the requests line).
package struct ExplainRequest: Sendable, Equatable {
    package var ob: String
    package var period: String
    package var component: String?

    /// Parses the values; throws `.usage` naming the bad parameter (HTTP 400).
    package init(ob: String?, period: String?, component: String?) throws(DaemonError) {
        guard let ob, ob.utf8.count == 3, ob.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw DaemonError(.usage, "ob must be an ISO 3166 alpha-3 code such as ESP", source: "ob")
        }
        guard let period, AdminCloseRequest.isPeriod(period) else {
            throw DaemonError(.usage, "period must be YYYY-MM", source: "period")
        }
        if let component, component.isEmpty || component.utf8.count > 256 {
            throw DaemonError(.usage, "component must be a non-empty id of at most 256 bytes", source: "component")
        }
        self.ob = ob
        self.period = period
        self.component = component
    }
}
