import Aggregation
import Invoicing
import Testing

@testable import StreamDaemon

/// What closes see of a period past its late horizon: late adjustments billed after the
/// compaction are priced exactly as before it, and the retired period is never closed again.
@Suite("Retention: invoices of compacted periods")
struct CompactionCloseTests {
    static let day: Int64 = 86_400_000
    static let horizonMs = 35 * day
    static let october = Period(year: 2026, month: 10)
    static let november = Period(year: 2026, month: 11)
    static let december = Period(year: 2026, month: 12)
    static let source = PartitionKey(topic: "aura.audit", partition: 0)

    /// Counts one ESP audit event at `time` (ISO 8601, UTC).
    static func ingest(
        _ state: inout PartitionState, _ id: String, _ time: String, component: String = "C1", app: String = "app"
    ) throws {
        let timeMs = try Array(time.utf8).withUnsafeBytes { try EventTime.parseMillis($0, field: "AURA_TM") }
        let source = state.source(Self.source)
        _ = try Array(id.utf8).withUnsafeBytes { interaction in
            try Array(component.utf8).withUnsafeBytes { componentID in
                try Array("ESP".utf8).withUnsafeBytes { ob in
                    try Array(app.utf8).withUnsafeBytes { appID in
                        // The buffers live for this closure only; the event does not escape it.
                        try state.ingest(
                            AuditEvent(
                                interactionID: interaction, componentID: componentID, ob: ob, app: appID,
                                service: 0, timeMs: timeMs), source: source)
                    }
                }
            }
        }
    }

    /// October (tiered components C1, C2), closed; late October events billed on November and on
    /// December; November closed; December's events run past October's end plus the horizon.
    /// With `horizonMs` nil the same events make the reference state that never compacts.
    static func state(horizonMs: Int64?) throws -> PartitionState {
        var state = PartitionState(zones: try OBTimeZones(["ESP": "Europe/Madrid"]))
        state.lateHorizonMs = horizonMs
        for i in 0..<30 {
            try ingest(
                &state, "oct-\(i)", "2026-10-\(10 + i % 20)T10:00:00Z", component: i % 3 == 0 ? "C2" : "C1",
                app: "app-\(i % 4)")
        }
        state.markClosed(ob: "ESP", period: october)
        try ingest(&state, "nov-0", "2026-11-10T10:00:00Z")
        try ingest(&state, "late-nov-0", "2026-10-20T10:00:00Z")
        try ingest(&state, "late-nov-1", "2026-10-21T10:00:00Z", component: "C2", app: "late")
        state.markClosed(ob: "ESP", period: november)
        try ingest(&state, "dec-0", "2026-12-01T10:00:00Z")
        try ingest(&state, "late-dec-0", "2026-10-22T10:00:00Z")
        try ingest(&state, "late-dec-1", "2026-10-23T10:00:00Z", component: "C2")
        try ingest(&state, "dec-1", "2026-12-06T00:00:00Z")  // past 2026-10-31T23:00Z + 35 days
        return state
    }

    static func input(_ state: PartitionState, _ period: Period) -> InvoiceInput {
        InvoiceInputBuilder(state: state, names: .init())
            .input(ob: "ESP", period: period, inputs: InvoiceInputs(), forced: false)
    }

    @Test("late adjustments billed after their period was compacted are the same as without compaction")
    func lateAdjustmentsPricedAsBefore() throws {
        let reference = try Self.state(horizonMs: nil)
        var compacted = try Self.state(horizonMs: Self.horizonMs)
        #expect(compacted.expireBeyondHorizon() > 0)
        #expect(compacted.auditUsage(ob: "ESP", period: Self.october).isEmpty, "October is compacted")
        for period in [Self.november, Self.december] {
            let expected = Self.input(reference, period)
            #expect(!expected.lateAdjustments.isEmpty)
            #expect(expected.lateAdjustments.allSatisfy { $0.originalQueries > 0 })
            #expect(Self.input(compacted, period) == expected, "\(period)")
        }
        // After November retires too, December's adjustment still counts November's late
        // October queries in the original quantity.
        var later = compacted
        var laterReference = reference
        try Self.ingest(&later, "jan-0", "2027-01-05T00:00:00Z")
        try Self.ingest(&laterReference, "jan-0", "2027-01-05T00:00:00Z")
        later.expireBeyondHorizon()
        #expect(later.lateAuditUsage(ob: "ESP", billedIn: Self.november).isEmpty, "November is compacted")
        #expect(Self.input(later, Self.december) == Self.input(laterReference, Self.december))
    }

    @Test("a period past its late horizon is refused by name, skipped by a ready close, and its issued invoice stands")
    func retiredPeriodIsNotClosedAgain() throws {
        var state = try Self.state(horizonMs: Self.horizonMs)
        state.expireBeyondHorizon()
        let closed: Set<ClosePlan.Key> = [ClosePlan.Key(ob: "ESP", period: Self.november)]
        let byName = ClosePlan.retired(
            .period("2026-10", ob: nil, force: false), candidates: closed, merged: state, horizonMs: Self.horizonMs)
        #expect(byName == [ClosePlan.Key(ob: "ESP", period: Self.october)], "November is inside its horizon")
        #expect(
            ClosePlan.retired(.ready, candidates: closed, merged: state, horizonMs: nil).isEmpty,
            "without a horizon nothing is retired")

        let zones = state.zones
        let partition = ClosePlan.Partition(Self.source, in: state, nextOffset: 40, idle: false)
        let facts = ClosePlan.Facts(
            // October as a partition not compacted yet would still list it.
            periods: ClosePlan.Key.periods(in: state) + byName, zones: zones, partitions: [partition],
            recorded: closed.union(byName), finished: closed, graceMs: 0, nowMs: 0, retired: byName)
        let message =
            "ESP 2026-10: past its late horizon, its per-event detail is compacted; the invoice already issued stands and is not rewritten"
        for scope in [
            CloseScope.period("2026-10", ob: "ESP", force: false), .period("2026-10", ob: nil, force: true),
            .ready,
        ] {
            let plan = ClosePlan(scope: scope, facts: facts)
            #expect(plan.targets.isEmpty, "\(scope)")
            #expect(plan.errors == [message], "\(scope)")
        }
        #expect(!ClosePlan.readyKeys(facts).contains(ClosePlan.Key(ob: "ESP", period: Self.october)))
    }
}
