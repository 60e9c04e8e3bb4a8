/// An audit aggregate row with its strings resolved (what invoicing and replay consume).
package struct AuditUsage: Hashable, Sendable {
    package var ob: String
    /// The events' own billing period (for a late row: the original period).
    package var period: Period
    package var component: String
    /// `nil` when `AURA_APP_ID` was null.
    package var app: String?
    package var service: String
    package var queries: Int64
    /// `nil` for on-time rows; for late rows, the period whose invoice bills them.
    package var billedIn: Period?

    package init(
        ob: String, period: Period, component: String, app: String?, service: String,
        queries: Int64, billedIn: Period? = nil
    ) {
        self.ob = ob
        self.period = period
        self.component = component
        self.app = app
        self.service = service
        self.queries = queries
        self.billedIn = billedIn
    }

    /// Sort order: OB, period, component, app (null first), service, billedIn.
    package static func ordered(_ a: Self, _ b: Self) -> Bool {
        if a.ob != b.ob { return a.ob < b.ob }
        if a.period != b.period { return a.period < b.period }
        if a.component != b.component { return a.component < b.component }
        if a.app != b.app { return (a.app ?? "") < (b.app ?? "") || a.app == nil }
        if a.service != b.service { return a.service < b.service }
        return (a.billedIn?.rawValue ?? 0) < (b.billedIn?.rawValue ?? 0)
    }
}

/// A gateway aggregate row with its strings resolved.
package struct GatewayUsage: Hashable, Sendable {
    package var ob: String
    package var period: Period
    package var app: String?
    package var messages: Int64
    package var nlpMessages: Int64
    /// See `AuditUsage.billedIn`.
    package var billedIn: Period?

    package init(ob: String, period: Period, app: String?, messages: Int64, nlpMessages: Int64, billedIn: Period? = nil)
    {
        self.ob = ob
        self.period = period
        self.app = app
        self.messages = messages
        self.nlpMessages = nlpMessages
        self.billedIn = billedIn
    }

    /// Sort order: OB, period, app (null first), billedIn.
    package static func ordered(_ a: Self, _ b: Self) -> Bool {
        if a.ob != b.ob { return a.ob < b.ob }
        if a.period != b.period { return a.period < b.period }
        if a.app != b.app { return (a.app ?? "") < (b.app ?? "") || a.app == nil }
        return (a.billedIn?.rawValue ?? 0) < (b.billedIn?.rawValue ?? 0)
    }
}

/// Statistics of one (OB, period).
package struct PeriodSummary: Hashable, Sendable {
    package var ob: String
    package var period: Period
    /// Earliest / latest event time received (UTC ms).
    package var firstEventMs: Int64
    package var lastEventMs: Int64
    package var events: Int64
    package var duplicates: Int64
    package var late: Int64
    /// Unique events per local day of month (index 0 = day 1).
    package var eventsPerDay: [Int64]
}
