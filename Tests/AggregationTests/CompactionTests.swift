import Testing

@testable import Aggregation

@Suite("Retention: compaction of retired periods")
struct CompactionTests {
    static let day: Int64 = 86_400_000
    static let october = Period(year: 2026, month: 10)
    static let november = Period(year: 2026, month: 11)
    static let december = Period(year: 2026, month: 12)
    /// October of ESP ends 2026-10-31T23:00Z: with 2 days of horizon it retires at 2026-11-02T23:00Z.
    static let horizonMs = 2 * day

    static func audit(_ id: String, _ time: String, component: String = "c1", app: String? = "a") throws -> TestAudit {
        TestAudit(id: id, component: component, ob: "ESP", app: app, service: 1, timeMs: try ms(time))
    }

    static func gateway(_ id: String, _ time: String, app: String? = "a") throws -> TestGateway {
        TestGateway(id: id, ob: "ESP", app: app, nlp: id.hasSuffix("n"), timeMs: try ms(time))
    }

    /// October with strings only October uses ("oct-only" component and app), closed.
    static func october(_ state: inout PartitionState) throws {
        try state.ingest(audit("o1", "2026-10-05T10:00:00Z"))
        try state.ingest(audit("o2", "2026-10-06T10:00:00Z", component: "c2", app: nil))
        try state.ingest(audit("o3", "2026-10-07T10:00:00Z", component: "oct-only", app: "oct-only"))
        try state.ingest(gateway("og1", "2026-10-08T10:00:00Z"))
        try state.ingest(gateway("og2n", "2026-10-09T10:00:00Z", app: "oct-only"))
        state.markClosed(ob: "ESP", period: october)
    }

    /// November's events (open), before October's horizon.
    static let novemberEvents: [TestEvent] = [
        .audit(try! audit("n1", "2026-11-01T10:00:00Z")),
        .audit(try! audit("n2", "2026-11-01T11:00:00Z", component: "c2", app: "b")),
        .gateway(try! gateway("ng1n", "2026-11-01T12:00:00Z", app: "b")),
        .audit(try! audit("n3", "2026-11-02T10:00:00Z", app: nil)),
    ]

    static func state() -> PartitionState {
        var state = PartitionState(zones: testZones)
        state.lateHorizonMs = horizonMs
        return state
    }

    @Test("rows, statistics and keys of a closed period go exactly when the watermark reaches its end plus the horizon")
    func compactsExactlyAtTheHorizon() throws {
        var state = Self.state()
        try Self.october(&state)
        for event in Self.novemberEvents { try state.ingest(event) }
        try state.ingest(Self.audit("n4", "2026-11-02T22:59:59.999Z"))
        let epoch = state.layoutEpoch
        #expect(state.expireBeyondHorizon() == 0)
        #expect(state.layoutEpoch == epoch, "nothing removed, nothing renumbered")
        #expect(state.auditUsage(ob: "ESP", period: Self.october).count == 3)
        #expect(state.summary(ob: "ESP", period: Self.october) != nil)

        try state.ingest(Self.audit("n5", "2026-11-02T23:00:00Z"))
        #expect(state.expireBeyondHorizon() == 5)
        #expect(state.layoutEpoch != epoch)
        #expect(state.auditUsage(ob: "ESP", period: Self.october).isEmpty)
        #expect(state.gatewayUsage(ob: "ESP", period: Self.october).isEmpty)
        #expect(state.summary(ob: "ESP", period: Self.october) == nil)
        #expect(state.stats.count == 1 && state.dayCounts.count == 31)
        #expect(state.retained.isEmpty, "no late row of October is held: nothing needs its quantities")
        #expect(state.auditUsage(ob: "ESP", period: Self.november).map(\.queries).reduce(0, +) == 5)
        #expect(state.isClosed(ob: "ESP", period: Self.october), "October stays closed")

        // A refused event of October does not bring its statistics back.
        #expect(throws: AggregationError.self) { try state.ingest(Self.audit("o9", "2026-10-20T10:00:00Z")) }
        #expect(state.summary(ob: "ESP", period: Self.october) == nil)
        #expect(state.expireBeyondHorizon() == 0)
    }

    @Test("after compaction the state equals that of a run that never saw the retired period, but for its counters")
    func compactedEqualsARunWithoutThePeriod() throws {
        var compacted = Self.state()
        try Self.october(&compacted)
        var fresh = Self.state()
        fresh.markClosed(ob: "ESP", period: Self.october)
        for event in Self.novemberEvents + [.audit(try Self.audit("n5", "2026-11-03T00:00:00Z"))] {
            try compacted.ingest(event)
            try fresh.ingest(event)
        }
        compacted.expireBeyondHorizon()
        let a = compacted.snapshot()
        let b = fresh.snapshot()
        #expect(a.audit == b.audit)
        #expect(a.gateway == b.gateway)
        #expect(a.summaries == b.summaries)
        #expect(a.closed == b.closed)
        #expect(a.dedupKeys == b.dedupKeys)
        #expect(compacted.strings.count == fresh.strings.count)

        // The kept keys were remapped to the renumbered rows: every November copy is a
        // duplicate, booked against November, and new events count in the right rows.
        for event in Self.novemberEvents {
            #expect(try compacted.ingest(event) == .duplicate)
            #expect(try fresh.ingest(event) == .duplicate)
        }
        try compacted.ingest(Self.audit("n6", "2026-11-04T00:00:00Z", component: "c2", app: "b"))
        try fresh.ingest(Self.audit("n6", "2026-11-04T00:00:00Z", component: "c2", app: "b"))
        #expect(compacted.snapshot().audit == fresh.snapshot().audit)
        #expect(compacted.snapshot().summaries == fresh.snapshot().summaries)
        #expect(compacted.summary(ob: "ESP", period: Self.november)?.duplicates == 4)
    }

    @Test("strings only the retired period named are released and the rest still resolve")
    func releasesStrings() throws {
        var state = Self.state()
        try Self.october(&state)
        for event in Self.novemberEvents { try state.ingest(event) }
        #expect(state.strings.lookup("oct-only") != nil)
        let before = state.strings.count
        try state.ingest(Self.audit("n5", "2026-11-03T00:00:00Z"))
        state.expireBeyondHorizon()
        #expect(state.strings.lookup("oct-only") == nil)
        #expect(state.strings.count == before - 1)
        #expect(state.auditUsage(ob: "ESP", period: Self.november).map(\.component) == ["c1", "c1", "c2"])
        #expect(state.gatewayUsage(ob: "ESP", period: Self.november).map(\.app) == ["b"])
        // A new string after the rebuild gets a fresh id and the hot path's calendars still work.
        try state.ingest(Self.audit("n7", "2026-11-05T00:00:00Z", component: "new", app: "new"))
        #expect(state.auditUsage(ob: "ESP", period: Self.november).contains { $0.component == "new" })
    }

    /// October closed with late events billed on November and December, then retired while
    /// December is open: the late rows stay, October's own rows become per-component sums.
    static func lateRowsAcrossTheHorizon() throws -> PartitionState {
        var state = PartitionState(zones: testZones)
        state.lateHorizonMs = 35 * day
        try october(&state)
        try state.ingest(audit("n1", "2026-11-10T10:00:00Z"))
        try state.ingest(audit("late-nov-1", "2026-10-20T10:00:00Z"))  // billed in November
        try state.ingest(audit("late-nov-2", "2026-10-21T10:00:00Z", component: "c2", app: "x"))
        try state.ingest(gateway("late-nov-g", "2026-10-22T10:00:00Z", app: "x"))
        state.markClosed(ob: "ESP", period: november)
        try state.ingest(audit("d1", "2026-12-01T10:00:00Z"))
        try state.ingest(audit("late-dec-1", "2026-10-23T10:00:00Z"))  // billed in December
        // October ends 2026-10-31T23:00Z; + 35 days = 2026-12-05T23:00Z.
        try state.ingest(audit("d2", "2026-12-06T00:00:00Z"))
        return state
    }

    @Test("late rows billed on invoices not retired stay whole, beside their period's per-component sums")
    func keepsWhatLateAdjustmentsNeed() throws {
        var state = try Self.lateRowsAcrossTheHorizon()
        let lateNovember = state.lateAuditUsage(ob: "ESP", billedIn: Self.november)
        let lateDecember = state.lateAuditUsage(ob: "ESP", billedIn: Self.december)
        let lateGateway = state.lateGatewayUsage(ob: "ESP", billedIn: Self.november)
        #expect(state.expireBeyondHorizon() > 0)
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: Self.november) == lateNovember)
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: Self.december) == lateDecember)
        #expect(state.lateGatewayUsage(ob: "ESP", billedIn: Self.november) == lateGateway)
        #expect(state.auditUsage(ob: "ESP", period: Self.october).isEmpty)
        #expect(
            state.retainedUsage(ob: "ESP") == [
                RetainedUsage(ob: "ESP", period: Self.october, component: "c1", billedIn: nil, queries: 1),
                RetainedUsage(ob: "ESP", period: Self.october, component: "c2", billedIn: nil, queries: 1),
                RetainedUsage(ob: "ESP", period: Self.october, component: "oct-only", billedIn: nil, queries: 1),
            ])
        #expect(state.strings.lookup("oct-only") != nil, "a retained sum still names it")

        // November retires (closed, its end + 35 days passed): its late rows of October are summed.
        try state.ingest(Self.audit("d3", "2027-01-05T00:00:00Z"))
        state.expireBeyondHorizon()
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: Self.november).isEmpty)
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: Self.december) == lateDecember)
        #expect(
            state.retainedUsage(ob: "ESP").filter { $0.billedIn == Self.november }.map(\.queries) == [1, 1])

        // December closes and retires: nothing of October is needed any more.
        state.markClosed(ob: "ESP", period: Self.december)
        try state.ingest(Self.audit("j1", "2027-02-05T00:00:00Z"))
        state.expireBeyondHorizon()
        #expect(state.retained.isEmpty)
        #expect(state.allAuditUsage().allSatisfy { $0.period.rawValue > Self.december.rawValue })
        #expect(state.strings.lookup("oct-only") == nil)
    }

    @Test("a compacted state survives a checkpoint round trip, its retained sums included")
    func checkpointRoundTrip() throws {
        var state = try Self.lateRowsAcrossTheHorizon()
        state.expireBeyondHorizon()
        #expect(!state.retained.isEmpty)
        let bytes = CheckpointCodec.encode(state)
        var loaded = try bytes.withUnsafeBytes { try CheckpointCodec.decode($0, zones: testZones, source: "mem") }
        #expect(loaded.snapshot() == state.snapshot())
        #expect(loaded.retained == state.retained)
        #expect(CheckpointCodec.encode(loaded).count == bytes.count)
        // The loaded state goes on the same way.
        loaded.lateHorizonMs = state.lateHorizonMs
        for s in [0, 1] {
            var copy = s == 0 ? state : loaded
            try copy.ingest(Self.audit("d4", "2026-12-07T00:00:00Z"))
            #expect(try copy.ingest(Self.audit("d1", "2026-12-01T10:00:00Z")) == .duplicate)
        }
    }

    @Test("merging compacted states adds up their retained sums")
    func mergeAddsRetained() throws {
        let state = try {
            var s = try Self.lateRowsAcrossTheHorizon()
            s.expireBeyondHorizon()
            return s
        }()
        var merged = PartitionState(zones: testZones)
        try merged.merge(state)
        try merged.merge(state)
        #expect(
            merged.retainedUsage(ob: "ESP").map(\.queries) == state.retainedUsage(ob: "ESP").map { 2 * $0.queries })
    }

    @Test("closers see a closed period past its horizon by any partition's watermark")
    func beyondLateHorizon() throws {
        var state = Self.state()
        try Self.october(&state)
        #expect(!state.isBeyondLateHorizon(ob: "ESP", period: Self.october, horizonMs: Self.horizonMs))
        try state.ingest(Self.audit("n5", "2026-11-02T23:00:00Z"))
        #expect(state.isBeyondLateHorizon(ob: "ESP", period: Self.october, horizonMs: Self.horizonMs))
        #expect(!state.isBeyondLateHorizon(ob: "ESP", period: Self.november, horizonMs: Self.horizonMs))
        #expect(state.closedOBs(in: Self.october) == ["ESP"])
    }
}
