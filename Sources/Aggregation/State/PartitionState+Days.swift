/// Per-row local-day counts for explaining an invoice line (`aura-billing explain`).
///
/// Each dedup key remembers the row that counted its event and the event's local day
/// (`DedupRef`), so the unique events of every row per day of its period are the dedup keys
/// pointing at the row, grouped by day. A row whose keys were dropped (a period past its late
/// horizon) has fewer keyed events than its count: `unkeyed` says how many. Not for the hot
/// path: it walks the whole dedup table.
extension PartitionState {
    /// An audit row of one OB with its unique events per local day (index 0 = day 1).
    package struct AuditRowDays: Sendable, Hashable {
        package var usage: AuditUsage
        package var days: [Int64]
        /// Events of the row without a dedup key (`usage.queries - Σ days`).
        package var unkeyed: Int64 { usage.queries - days.reduce(0, +) }
    }

    /// A gateway row of one OB with its unique messages per local day.
    package struct GatewayRowDays: Sendable, Hashable {
        package var usage: GatewayUsage
        package var days: [Int64]
        /// Messages of the row without a dedup key.
        package var unkeyed: Int64 { usage.messages - days.reduce(0, +) }
    }

    /// Every non-empty audit and gateway row of `ob` (on time and late) with its per-day counts.
    package func rowDays(ob: String) -> (audit: [AuditRowDays], gateway: [GatewayRowDays]) {
        guard let id = strings.lookup(ob) else { return ([], []) }
        var auditDays: [Int: [Int64]] = [:]
        var gatewayDays: [Int: [Int64]] = [:]
        for (i, row) in auditRows.enumerated() where row.ob == id && row.count != 0 {
            auditDays[i] = Array(repeating: 0, count: 31)
        }
        for (i, row) in gatewayRows.enumerated() where row.ob == id && row.messages != 0 {
            gatewayDays[i] = Array(repeating: 0, count: 31)
        }
        dedup.forEach { _, raw in
            let ref = DedupRef(rawValue: raw)
            if ref.isGateway {
                gatewayDays[ref.row]?[ref.day - 1] += 1
            } else {
                auditDays[ref.row]?[ref.day - 1] += 1
            }
        }
        func name(_ id: UInt32) -> String? { id == nullStringID ? nil : strings.string(id) }
        let audit = auditDays.map { i, days in
            let row = auditRows[i]
            return AuditRowDays(
                usage: AuditUsage(
                    ob: ob, period: Period(rawValue: row.period), component: strings.string(row.component),
                    app: name(row.app), service: ServiceName.name(row.service), queries: row.count,
                    billedIn: row.billedIn == 0 ? nil : Period(rawValue: row.billedIn)),
                days: days)
        }.sorted { AuditUsage.ordered($0.usage, $1.usage) }
        let gateway = gatewayDays.map { i, days in
            let row = gatewayRows[i]
            return GatewayRowDays(
                usage: GatewayUsage(
                    ob: ob, period: Period(rawValue: row.period), app: name(row.app), messages: row.messages,
                    nlpMessages: row.nlpMessages, billedIn: row.billedIn == 0 ? nil : Period(rawValue: row.billedIn)),
                days: days)
        }.sorted { GatewayUsage.ordered($0.usage, $1.usage) }
        return (audit, gateway)
    }
}
