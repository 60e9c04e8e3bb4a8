import Testing

@testable import Aggregation

@Suite("OBTimeZones")
struct OBTimeZonesTests {
    @Test("adopting a reloaded table adds the new OBs, returns them, and leaves the known ones as they were")
    func adoptAddsNewOBs() throws {
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        let before = try #require(zones.calendar(forOB: "ESP"))
        let added = try zones.adopt(["ESP": "Europe/Madrid", "NZL": "Pacific/Auckland", "JPN": "Asia/Tokyo"])
        #expect(added == ["JPN", "NZL"])
        #expect(zones.identifiers == ["ESP": "Europe/Madrid", "NZL": "Pacific/Auckland", "JPN": "Asia/Tokyo"])
        #expect(zones.calendar(forOB: "ESP") === before)
        #expect(zones.calendar(forOB: "NZL") === (try OBTimeZones.sharedCalendar("Pacific/Auckland")))
        #expect(try zones.adopt(["NZL": "Pacific/Auckland"]).isEmpty)
    }

    @Test("a reload that would move a known OB to another zone is refused whole, naming the OB")
    func adoptRefusesAZoneChange() throws {
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        let error = #expect(throws: AggregationError.self) {
            try zones.adopt(["ESP": "Atlantic/Canary", "NZL": "Pacific/Auckland"])
        }
        #expect(error?.code == .unknownTimeZone)
        #expect(error?.source == "ESP")
        #expect(error?.message.contains("Atlantic/Canary") == true)
        #expect(zones.identifiers == ["ESP": "Europe/Madrid"])
        #expect(zones.calendar(forOB: "NZL") == nil)
    }

    @Test("a reload naming a zone that is not IANA is refused whole")
    func adoptRefusesAnUnknownZone() throws {
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        #expect(throws: AggregationError.self) {
            try zones.adopt(["NZL": "Pacific/Auckland", "XXX": "Mars/Olympus_Mons"])
        }
        #expect(zones.identifiers == ["ESP": "Europe/Madrid"])
    }

    @Test("an OB refused for want of a zone is counted in its own month once the shared table adopts its zone")
    func stateCountsAnOBAfterAdoption() throws {
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        var state = PartitionState(zones: zones)
        // 2026-10-31T12:00Z is November 1st, 01:00 in Auckland.
        let event = TestAudit(
            id: "i1", component: "c1", ob: "NZL", app: nil, service: 1, timeMs: try ms("2026-10-31T12:00:00Z"))
        let error = #expect(throws: AggregationError.self) { try state.ingest(event) }
        #expect(error?.code == .unknownTimeZone)
        try zones.adopt(["NZL": "Pacific/Auckland"])
        #expect(try state.ingest(event) == .counted)
        #expect(state.auditUsage(ob: "NZL", period: Period(year: 2026, month: 11)).map(\.queries) == [1])
        #expect(state.auditUsage(ob: "NZL", period: Period(year: 2026, month: 10)).isEmpty)
    }
}
