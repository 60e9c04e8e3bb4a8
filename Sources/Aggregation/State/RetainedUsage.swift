/// Identity of a compacted audit quantity: (OB, period, component, billedIn) with interned ids.
///
/// When a closed period passes its late horizon its rows are compacted away
/// (`PartitionState+Compaction.swift`); the queries of its dropped audit rows stay summed per
/// this key for as long as a late row of the period is still held, because pricing that late
/// row's adjustment needs the period's original quantity per component (tiered prices).
package struct RetainedUsageKey: Hashable, Sendable {
    package var ob: UInt32
    package var component: UInt32
    package var period: Int32
    /// 0 for the on-time queries; otherwise the period whose invoice billed them (retired too).
    package var billedIn: Int32
}

/// A compacted audit quantity with its strings resolved (see `RetainedUsageKey`).
package struct RetainedUsage: Hashable, Sendable {
    package var ob: String
    package var period: Period
    package var component: String
    /// `nil` for on-time queries; else the (retired) period whose invoice billed them.
    package var billedIn: Period?
    package var queries: Int64

    package init(ob: String, period: Period, component: String, billedIn: Period?, queries: Int64) {
        self.ob = ob
        self.period = period
        self.component = component
        self.billedIn = billedIn
        self.queries = queries
    }

    /// Sort order: OB, period, component, billedIn (on time first).
    package static func ordered(_ a: Self, _ b: Self) -> Bool {
        (a.ob, a.period.rawValue, a.component, a.billedIn?.rawValue ?? 0)
            < (b.ob, b.period.rawValue, b.component, b.billedIn?.rawValue ?? 0)
    }
}
