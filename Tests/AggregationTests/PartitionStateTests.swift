import Testing

@testable import Aggregation

@Suite("PartitionState")
struct PartitionStateTests {
    func event(
        _ id: String, _ comp: String = "aura-nlp", ob: String = "ESP", app: String? = "esp-app",
        service: UInt8 = 1, at time: String
    ) throws -> TestAudit {
        TestAudit(id: id, component: comp, ob: ob, app: app, service: service, timeMs: try ms(time))
    }

    @Test("counts per (OB, local month, component, app, service) and drops duplicates")
    func counting() throws {
        var state = PartitionState(zones: testZones)
        let src = state.source(PartitionKey(topic: "audit", partition: 0))
        #expect(try state.ingest(event("i1", "c1", at: "2026-10-15T10:00:00+02:00"), source: src) == .counted)
        #expect(try state.ingest(event("i1", "c2", at: "2026-10-15T10:00:00.200+02:00"), source: src) == .counted)
        #expect(try state.ingest(event("i1", "c1", at: "2026-10-15T10:00:00+02:00"), source: src) == .duplicate)
        // 23:30Z on Oct 31: November in Madrid, October in São Paulo.
        #expect(try state.ingest(event("i2", "c1", at: "2026-10-31T23:30:00Z"), source: src) == .counted)
        #expect(
            try state.ingest(event("i3", "c1", ob: "BRA", app: nil, at: "2026-10-31T23:30:00Z"), source: src)
                == .counted)
        state.markConsumed(source: src, offset: 4)

        #expect(state.records == 5)
        #expect(state.duplicates == 1)
        let oct = Period(year: 2026, month: 10)
        let nov = Period(year: 2026, month: 11)
        #expect(
            state.auditUsage(ob: "ESP", period: oct) == [
                AuditUsage(ob: "ESP", period: oct, component: "c1", app: "esp-app", service: "nlpaas", queries: 1),
                AuditUsage(ob: "ESP", period: oct, component: "c2", app: "esp-app", service: "nlpaas", queries: 1),
            ])
        #expect(state.auditUsage(ob: "ESP", period: nov).map(\.queries) == [1])
        #expect(
            state.auditUsage(ob: "BRA", period: oct) == [
                AuditUsage(ob: "BRA", period: oct, component: "c1", app: nil, service: "nlpaas", queries: 1)
            ])
        let summary = try #require(state.summary(ob: "ESP", period: oct))
        #expect(summary.events == 2)
        #expect(summary.duplicates == 1)
        #expect(summary.eventsPerDay[14] == 2)
        #expect(summary.firstEventMs == (try ms("2026-10-15T08:00:00Z")))
        #expect(summary.lastEventMs == (try ms("2026-10-15T08:00:00.200Z")))
        #expect(state.summary(ob: "ESP", period: nov)?.eventsPerDay[0] == 1)
        #expect(state.partitions[src].watermarkMs == (try ms("2026-10-31T23:30:00Z")))
        #expect(state.partitions[src].nextOffset == 5)
    }

    @Test("gateway messages count messages and NLP messages per app; MESSAGE_ID dedups")
    func gateway() throws {
        var state = PartitionState(zones: testZones)
        let t = try ms("2026-10-10T12:00:00Z")
        try state.ingest(TestGateway(id: "m1", ob: "DEU", app: "a", nlp: true, timeMs: t))
        try state.ingest(TestGateway(id: "m2", ob: "DEU", app: "a", nlp: false, timeMs: t))
        #expect(try state.ingest(TestGateway(id: "m1", ob: "DEU", app: "a", nlp: true, timeMs: t)) == .duplicate)
        try state.ingest(TestGateway(id: "m3", ob: "DEU", app: nil, nlp: true, timeMs: t))
        // Same id as an audit interaction: different domain, not a duplicate.
        #expect(
            try state.ingest(TestAudit(id: "m1", component: "", ob: "DEU", app: "a", service: 0, timeMs: t)) == .counted
        )
        let oct = Period(year: 2026, month: 10)
        #expect(
            state.gatewayUsage(ob: "DEU", period: oct) == [
                GatewayUsage(ob: "DEU", period: oct, app: nil, messages: 1, nlpMessages: 1),
                GatewayUsage(ob: "DEU", period: oct, app: "a", messages: 2, nlpMessages: 1),
            ])
    }

    @Test("events of a closed period are late, billed on the next open period, and still deduplicated")
    func lateEvents() throws {
        var state = PartitionState(zones: testZones)
        let sep = Period(year: 2026, month: 9)
        let oct = Period(year: 2026, month: 10)
        try state.ingest(event("a", at: "2026-09-20T10:00:00+02:00"))
        state.markClosed(ob: "ESP", period: sep)
        #expect(try state.ingest(event("b", at: "2026-09-30T23:00:00+02:00")) == .late)
        #expect(try state.ingest(event("b", at: "2026-09-30T23:00:00+02:00")) == .duplicate)
        #expect(try state.ingest(event("a", at: "2026-09-20T10:00:00+02:00")) == .duplicate)
        state.markClosed(ob: "ESP", period: oct)
        #expect(try state.ingest(event("c", at: "2026-09-29T23:00:00+02:00")) == .late)
        #expect(state.late == 2)
        #expect(state.auditUsage(ob: "ESP", period: sep).map(\.queries) == [1])
        #expect(state.lateAuditUsage(ob: "ESP", billedIn: oct).map(\.queries) == [1])
        let nov = Period(year: 2026, month: 11)
        let lateNov = state.lateAuditUsage(ob: "ESP", billedIn: nov)
        #expect(lateNov.map(\.period) == [sep])
        #expect(state.summary(ob: "ESP", period: sep)?.late == 2)
    }

    @Test("auto-close closes ready periods, with or without events, and only up to the latest one with events")
    func autoClose() throws {
        var state = PartitionState(zones: testZones)
        let src = state.source(PartitionKey(topic: "audit", partition: 0))
        let sep = Period(year: 2026, month: 9)
        let oct = Period(year: 2026, month: 10)
        let grace: Int64 = 3_600_000
        try state.ingest(event("1", ob: "BRA", at: "2026-10-31T23:00:00-03:00"), source: src)
        #expect(state.nextCloseDueMs(graceMs: grace) == .min)
        // Watermark 2026-11-01T02:00Z: BRA's September is ready (ended a month ago), October is not.
        #expect(state.closeReadyPeriods(graceMs: grace, nowMs: 0).isEmpty)  // no September events
        #expect(state.isClosed(ob: "BRA", period: sep))
        #expect(!state.isClosed(ob: "BRA", period: oct))
        #expect(state.nextCloseDueMs(graceMs: grace) == (try ms("2026-11-01T04:00:00Z")))
        #expect(try state.ingest(event("2", ob: "BRA", at: "2026-09-15T12:00:00-03:00"), source: src) == .late)
        // An ESP event moves the watermark past BRA's October end + grace, and ESP appears.
        try state.ingest(event("3", ob: "ESP", at: "2026-11-01T05:00:00Z"), source: src)
        let closed = state.closeReadyPeriods(graceMs: grace, nowMs: 0)
        #expect(
            closed.map { "\($0.ob) \($0.period)" } == ["BRA 2026-10", "ESP 2026-10"].filter { _ in false } + [
                "BRA 2026-10"
            ])
        #expect(state.isClosed(ob: "ESP", period: oct))  // ended 2026-10-31T23:00Z, no events in it
        #expect(!state.isClosed(ob: "ESP", period: Period(year: 2026, month: 11)))
        // Idle partitions count with the clock; the mark survives checkpoints and merges.
        let copy = try CheckpointCodec.encode(state).withUnsafeBytes {
            try CheckpointCodec.decode($0, zones: testZones, source: "mem")
        }
        #expect(copy.isClosed(ob: "ESP", period: oct) && copy.isClosed(ob: "BRA", period: sep))
        var merged = PartitionState(zones: testZones)
        try merged.merge(state)
        #expect(merged.isClosed(ob: "BRA", period: oct))
    }

    @Test("expiring closed periods past their retention drops only their keys")
    func expireClosed() throws {
        var state = PartitionState(zones: testZones)
        let sep = Period(year: 2026, month: 9)
        try state.ingest(event("a", at: "2026-09-20T10:00:00+02:00"))
        try state.ingest(event("b", at: "2026-10-20T10:00:00+02:00"))
        try state.ingest(TestGateway(id: "m", ob: "ESP", app: nil, nlp: false, timeMs: try ms("2026-09-21T10:00:00Z")))
        let day: Int64 = 86_400_000
        let septemberEnd = try ms("2026-09-30T22:00:00Z")
        // Not closed yet: nothing expires however late the horizon.
        #expect(state.expireClosedKeys(retentionMs: day, horizonMs: .max) == 0)
        state.markClosed(ob: "ESP", period: sep)
        #expect(state.expireClosedKeys(retentionMs: day, horizonMs: septemberEnd + day - 1) == 0)
        #expect(state.expireClosedKeys(retentionMs: day, horizonMs: septemberEnd + day) == 2)
        #expect(state.dedup.count == 1)
        #expect(try state.ingest(event("b", at: "2026-10-20T10:00:00+02:00")) == .duplicate)
        #expect(try state.ingest(event("a", at: "2026-09-20T10:00:00+02:00")) == .late)
    }

    @Test("an OB without a time zone is an error and counts nothing")
    func unknownOB() throws {
        var state = PartitionState(zones: testZones)
        #expect(throws: AggregationError.self) { try state.ingest(event("x", ob: "XXX", at: "2026-10-01T00:00:00Z")) }
        #expect(state.records == 0)
        var fallback = PartitionState(zones: try OBTimeZones([:], fallback: "UTC"))
        #expect(try fallback.ingest(event("x", ob: "XXX", at: "2026-10-31T23:30:00Z")) == .counted)
        #expect(fallback.auditUsage(ob: "XXX", period: Period(year: 2026, month: 10)).count == 1)
    }

    @Test("ready to close when every partition's watermark, or the clock for idle ones, passes end + grace")
    func readiness() throws {
        var state = PartitionState(zones: testZones)
        let a = state.source(PartitionKey(topic: "audit", partition: 0))
        let b = state.source(PartitionKey(topic: "audit", partition: 1))
        let oct = Period(year: 2026, month: 10)
        let end = try ms("2026-10-31T23:00:00Z")  // Madrid
        let grace: Int64 = 3_600_000
        try state.ingest(event("1", at: "2026-11-01T00:30:00+01:00"), source: a)  // 23:30Z
        #expect(!state.readyToClose(ob: "ESP", period: oct, graceMs: grace, nowMs: end + 10 * grace))
        try state.ingest(event("2", at: "2026-11-01T01:00:00+01:00"), source: b)  // exactly end + grace
        #expect(!state.readyToClose(ob: "ESP", period: oct, graceMs: grace, nowMs: 0))
        try state.ingest(event("3", at: "2026-11-01T01:00:00+01:00"), source: a)
        #expect(state.readyToClose(ob: "ESP", period: oct, graceMs: grace, nowMs: 0))
        // São Paulo's October ends 3 h after UTC midnight: not ready yet.
        #expect(!state.readyToClose(ob: "BRA", period: oct, graceMs: grace, nowMs: 0))
        // An idle partition counts with the wall clock.
        let assigned = [PartitionKey(topic: "audit", partition: 0), PartitionKey(topic: "audit", partition: 7)]
        #expect(!state.readyToClose(ob: "ESP", period: oct, graceMs: grace, nowMs: end, assigned: assigned))
        #expect(
            state.readyToClose(
                ob: "ESP", period: oct, graceMs: grace, nowMs: end + grace, assigned: assigned,
                isIdle: { $0.partition == 7 }))
        #expect(
            !PartitionState.readyToClose(
                periodEndMs: 100, graceMs: 10, watermarks: [110, nil], idle: [false, false], nowMs: 0))
        #expect(
            PartitionState.readyToClose(
                periodEndMs: 100, graceMs: 10, watermarks: [110, nil], idle: [false, true], nowMs: 110))
        #expect(
            !PartitionState.readyToClose(periodEndMs: 100, graceMs: 10, watermarks: [109], idle: [false], nowMs: 1000))
    }
}
