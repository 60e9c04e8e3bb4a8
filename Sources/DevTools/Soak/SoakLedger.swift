import Aggregation

/// The generator's totals summed over every month a soak has published so far, and their
/// comparison with what the daemon's state holds.
///
/// Compared per (OB, period) of the event, whatever invoice bills it: a late event of a month
/// that was already closed is billed as an adjustment on a later invoice (its row carries
/// `billedIn`), but it still belongs to its own period here, as in the generator's count.
struct SoakLedger {
    /// Unique audit queries per "OB|period|component|app|service".
    var audit: [String: Int64] = [:]
    /// Unique gateway messages and NLP messages per "OB|period|app".
    var gateway: [String: [Int64]] = [:]
    var duplicates: Int64 = 0
    var corrupt: Int64 = 0
    /// Decodable messages (duplicates included).
    var valid: Int64 = 0

    /// Adds one generated month's totals.
    mutating func add(_ expected: DemoExpectedTotals) {
        for g in expected.auditGroups {
            audit["\(g.ob)|\(g.period)|\(g.component)|\(g.app ?? "-")|\(g.service)", default: 0] += Int64(g.queries)
        }
        for g in expected.requestGroups {
            let old = gateway["\(g.ob)|\(g.period)|\(g.app ?? "-")"] ?? [0, 0]
            gateway["\(g.ob)|\(g.period)|\(g.app ?? "-")"] = [
                old[0] + Int64(g.messages), old[1] + Int64(g.nlpMessages),
            ]
        }
        duplicates += Int64(expected.audit.duplicates + expected.gateway.duplicates)
        corrupt += Int64(expected.audit.corrupt + expected.gateway.corrupt)
        valid += Int64(expected.audit.valid + expected.gateway.valid)
    }

    /// Every difference between `state` (every partition's newest checkpoint, merged) and the
    /// generator's totals, one line each; empty when the invoices' inputs are exact.
    ///
    /// A period past its late horizon (`horizonMs`) is compacted: its invoice was issued and
    /// compared while its rows were held, so it is left out here (its compaction may keep a few
    /// late rows and per-component sums, which no longer add up to the generator's groups).
    func mismatches(_ state: PartitionState, horizonMs: Int64) -> [String] {
        var problems: [String] = []
        var compacted: [String: Bool] = [:]
        func isCompacted(_ key: String) -> Bool {
            let parts = key.split(separator: "|", maxSplits: 2)
            let pair = "\(parts[0])|\(parts[1])"
            if let known = compacted[pair] { return known }
            let verdict = Period(String(parts[1])).map {
                state.isBeyondLateHorizon(ob: String(parts[0]), period: $0, horizonMs: horizonMs)
            }
            compacted[pair] = verdict ?? false
            return verdict ?? false
        }
        var heldAudit: [String: Int64] = [:]
        for row in state.allAuditUsage() {
            heldAudit["\(row.ob)|\(row.period)|\(row.component)|\(row.app ?? "-")|\(row.service)", default: 0] +=
                row.queries
        }
        for key in Set(heldAudit.keys).union(audit.keys).sorted()
        where heldAudit[key] != audit[key] && !isCompacted(key) {
            problems.append("audit \(key): daemon \(heldAudit[key] ?? 0), generator \(audit[key] ?? 0)")
        }
        var heldGateway: [String: [Int64]] = [:]
        for row in state.allGatewayUsage() {
            let key = "\(row.ob)|\(row.period)|\(row.app ?? "-")"
            let old = heldGateway[key] ?? [0, 0]
            heldGateway[key] = [old[0] + row.messages, old[1] + row.nlpMessages]
        }
        for key in Set(heldGateway.keys).union(gateway.keys).sorted()
        where heldGateway[key] != gateway[key] && !isCompacted(key) {
            problems.append("gateway \(key): daemon \(heldGateway[key] ?? []), generator \(gateway[key] ?? [])")
        }
        if state.duplicates != duplicates {
            problems.append("duplicates: daemon \(state.duplicates), generator \(duplicates)")
        }
        if state.quarantined != corrupt {
            problems.append("quarantined: daemon \(state.quarantined), generator \(corrupt)")
        }
        if state.records != valid { problems.append("decoded records: daemon \(state.records), generator \(valid)") }
        return problems
    }
}
