import Aggregation
import Invoicing

/// Maps the aggregates of a merged state into what Invoicing prices (Invoicing knows no
/// aggregates, Aggregation knows no prices; this is the one place that knows both).
struct InvoiceInputBuilder {
    let state: PartitionState
    let names: InvoiceInput.Names

    /// The invoice input of the recorded `close` from the frozen aggregates in `state`.
    static func input(of close: some RecordedClose, from state: PartitionState, names: InvoiceInput.Names) throws
        -> InvoiceInput
    {
        guard let period = Period(close.period) else { throw DaemonError(.close, "bad period \(close.period)") }
        var input = InvoiceInputBuilder(state: state, names: names)
            .input(ob: close.ob, period: period, inputs: InvoiceInputs(offsets: close.offsets), forced: close.forced)
        input.invoiceNumber = close.invoiceNumber.flatMap(InvoiceNumber.init)
        return input
    }

    /// The invoice input of (ob, period): its on-time usage and requests, the late events of
    /// earlier closed periods billed on it, provenance and counts.
    func input(ob: String, period: Period, inputs: InvoiceInputs, forced: Bool) -> InvoiceInput {
        let usage = state.auditUsage(ob: ob, period: period).map {
            InvoiceInput.UsageRow(component: $0.component, app: $0.app, service: $0.service, queries: $0.queries)
        }
        // Late gateway messages of earlier periods are billed with this period's requests: the
        // request price has no tiers, so the delta is the late count times the price.
        var requestsByApp: [String?: (Int64, Int64)] = [:]
        for row in state.gatewayUsage(ob: ob, period: period) + state.lateGatewayUsage(ob: ob, billedIn: period) {
            let current = requestsByApp[row.app] ?? (0, 0)
            requestsByApp[row.app] = (current.0 + row.messages, current.1 + row.nlpMessages)
        }
        let requests =
            requestsByApp
            .sorted { ($0.key ?? "") < ($1.key ?? "") || ($0.key == nil && $1.key != nil) }
            .map { InvoiceInput.RequestRow(app: $0.key, messages: $0.value.0, nlpMessages: $0.value.1) }
        return InvoiceInput(
            ob: ob,
            period: period.description,
            usage: usage,
            requests: requests,
            lateAdjustments: lateRows(ob: ob, billedIn: period),
            inputs: inputs,
            counts: counts(ob: ob, period: period),
            names: names,
            forced: forced,
            timeZone: state.zones.identifiers[ob]
        )
    }

    /// Adjustments per (original period, component): the late queries billed now, and the
    /// queries of that component already invoiced for the original period (on time, plus late
    /// queries billed on invoices before this one; for a compacted period, from the quantities
    /// its compaction kept), so pricing can bill the delta.
    func lateRows(ob: String, billedIn: Period) -> [InvoiceInput.LateRow] {
        var late: [Key: Int64] = [:]
        for row in state.lateAuditUsage(ob: ob, billedIn: billedIn) {
            late[Key(period: row.period, component: row.component), default: 0] += row.queries
        }
        guard !late.isEmpty else { return [] }
        var original: [Key: Int64] = [:]
        for row in state.allAuditUsage() where row.ob == ob {
            let key = Key(period: row.period, component: row.component)
            guard late[key] != nil else { continue }
            if row.billedIn == nil || row.billedIn! < billedIn { original[key, default: 0] += row.queries }
        }
        // A period past its late horizon keeps only these sums of its compacted rows.
        for row in state.retainedUsage(ob: ob) {
            let key = Key(period: row.period, component: row.component)
            guard late[key] != nil else { continue }
            if row.billedIn == nil || row.billedIn! < billedIn { original[key, default: 0] += row.queries }
        }
        return late.keys.sorted().map { key in
            InvoiceInput.LateRow(
                originalPeriod: key.period.description,
                component: key.component,
                originalQueries: original[key] ?? 0,
                lateQueries: late[key]!
            )
        }
    }

    func counts(ob: String, period: Period) -> InvoiceInput.Counts {
        // Quarantined messages have no OB or period (they could not be decoded): the manifest
        // counts them per partition state, not here.
        let late =
            state.lateAuditUsage(ob: ob, billedIn: period).reduce(0) { $0 + $1.queries }
            + state.lateGatewayUsage(ob: ob, billedIn: period).reduce(0) { $0 + $1.messages }
        guard let summary = state.summary(ob: ob, period: period) else { return InvoiceInput.Counts(late: late) }
        return InvoiceInput.Counts(
            records: summary.events + summary.duplicates,
            duplicates: summary.duplicates,
            late: late,
            quarantined: 0
        )
    }

    struct Key: Hashable, Comparable {
        var period: Period
        var component: String
        static func < (a: Key, b: Key) -> Bool { (a.period, a.component) < (b.period, b.component) }
    }
}
