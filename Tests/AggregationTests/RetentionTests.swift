import Testing

@testable import Aggregation

@Suite("Retention: the late horizon")
struct RetentionTests {
    static let day: Int64 = 86_400_000
    static let october = Period(year: 2026, month: 10)

    static func event(_ id: String, at time: String) throws -> TestAudit {
        TestAudit(id: id, component: "c1", ob: "ESP", app: "a", service: 1, timeMs: try ms(time))
    }

    /// October of ESP (ends 2026-10-31T23:00Z in Madrid) counted, then closed; horizon 2 days,
    /// so due at 2026-11-02T23:00Z.
    static func closedOctober() throws -> PartitionState {
        var state = PartitionState(zones: testZones)
        state.lateHorizonMs = 2 * day
        for (i, time) in ["2026-10-05T10:00:00Z", "2026-10-20T10:00:00Z", "2026-10-31T22:00:00Z"].enumerated() {
            #expect(try state.ingest(event("oct-\(i)", at: time)) == .counted)
        }
        state.markClosed(ob: "ESP", period: october)
        return state
    }

    @Test("keys of a closed period are dropped exactly when the watermark reaches its end plus the horizon")
    func dropsExactlyAtTheHorizon() throws {
        var state = try Self.closedOctober()
        #expect(try state.ingest(Self.event("nov-0", at: "2026-11-02T22:59:59.999Z")) == .counted)
        #expect(state.expireBeyondHorizon() == 0)
        #expect(state.dedup.count == 4)
        // Inside the horizon a late event still counts, as an adjustment.
        #expect(try state.ingest(Self.event("oct-late", at: "2026-10-15T10:00:00Z")) == .late)
        #expect(try state.ingest(Self.event("nov-1", at: "2026-11-02T23:00:00Z")) == .counted)
        #expect(state.expireBeyondHorizon() == 4)  // three on time, one late
        #expect(state.dedup.count == 2)
        #expect(state.expireBeyondHorizon() == 0, "a retired period is not scanned again")
        // October's own rows and statistics are compacted; its late row, billed on November's
        // invoice (open), stays, and so do the quantities its adjustment is priced against.
        #expect(state.auditUsage(ob: "ESP", period: Self.october).isEmpty)
        #expect(state.summary(ob: "ESP", period: Self.october) == nil)
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: Self.october.next).map(\.queries) == [1])
        #expect(state.retainedUsage(ob: "ESP").map(\.queries) == [3])
    }

    @Test("past the horizon an event of the period, new or a copy of a dropped key, is refused and counts nothing")
    func refusesBeyondTheHorizon() throws {
        var state = try Self.closedOctober()
        try state.ingest(Self.event("nov-0", at: "2026-11-03T00:00:00Z"))
        state.expireBeyondHorizon()
        let rowsBefore = state.auditRows
        let lateBefore = state.late
        for id in ["oct-new", "oct-1"] {
            let error = #expect(throws: AggregationError.self) {
                try state.ingest(Self.event(id, at: "2026-10-20T10:00:00Z"))
            }
            #expect(error?.code == .beyondLateHorizon)
            #expect(error?.source == "ESP 2026-10")
        }
        #expect(state.auditRows == rowsBefore)
        #expect(state.late == lateBefore)
        // November is open and unaffected.
        #expect(try state.ingest(Self.event("nov-1", at: "2026-11-03T01:00:00Z")) == .counted)
    }

    @Test("after expiry the dedup table equals that of a run that never saw the expired period's keys")
    func expiryEqualsARunWithoutTheKeys() throws {
        var expired = try Self.closedOctober()
        var fresh = PartitionState(zones: testZones)
        for (i, time) in ["2026-11-03T00:00:00Z", "2026-11-10T00:00:00Z", "2026-12-01T00:00:00Z"].enumerated() {
            try expired.ingest(Self.event("later-\(i)", at: time))
            try fresh.ingest(Self.event("later-\(i)", at: time))
        }
        expired.expireBeyondHorizon()
        #expect(expired.dedup.count == fresh.dedup.count)
        // Every key left is one the fresh run holds: re-sending them is a duplicate in both.
        for (i, time) in ["2026-11-03T00:00:00Z", "2026-11-10T00:00:00Z", "2026-12-01T00:00:00Z"].enumerated() {
            #expect(try expired.ingest(Self.event("later-\(i)", at: time)) == .duplicate)
        }
    }

    @Test("without a horizon closed periods keep their keys and late events always count")
    func noHorizonKeepsEverything() throws {
        var state = try Self.closedOctober()
        state.lateHorizonMs = nil
        try state.ingest(Self.event("nov-0", at: "2027-06-01T00:00:00Z"))
        #expect(state.expireBeyondHorizon() == 0)
        #expect(try state.ingest(Self.event("oct-late", at: "2026-10-15T10:00:00Z")) == .late)
        #expect(try state.ingest(Self.event("oct-1", at: "2026-10-20T10:00:00Z")) == .duplicate)
    }
}
