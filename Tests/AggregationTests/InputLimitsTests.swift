import Foundation
import Testing

@testable import Aggregation

@Suite("Aggregation input limits")
struct InputLimitsTests {
    static let october: Int64 = 1_790_899_200_000  // 2026-10-02T00:00:00Z

    static func audit(
        _ id: String, ob: String = "ESP", component: String = "c0", app: String? = "app"
    ) -> TestAudit {
        TestAudit(id: id, component: component, ob: ob, app: app, service: 0, timeMs: october)
    }

    /// The error `body` throws, or nil.
    static func error(_ body: () throws -> Void) -> AggregationError? {
        do {
            try body()
            return nil
        } catch let error as AggregationError {
            return error
        } catch {
            return AggregationError(.init("unexpected"), "\(error)")
        }
    }

    @Test("OB codes that are not three ASCII capitals are refused as bad-ob-code, before anything is interned")
    func badOBCodes() throws {
        var state = PartitionState(zones: testZones)
        for ob in ["es", "ESPA", "esp", "E1P", "", "ÉSP", String(repeating: "X", count: 1 << 20)] {
            let error = Self.error { try state.ingest(Self.audit("a-\(ob.count)", ob: ob)) }
            #expect(error?.code == .badOBCode, "\(ob.prefix(8))")
            #expect(error?.source == "COUNTRY_3_ALPHA_CD")
            let gatewayError = Self.error {
                try state.ingest(TestGateway(id: "m", ob: ob, app: nil, nlp: false, timeMs: Self.october))
            }
            #expect(gatewayError?.code == .badOBCode)
        }
        #expect(state.strings.count == 0)
        #expect(state.records == 0 && state.auditRows.isEmpty && state.dedup.count == 0)
    }

    @Test("id fields longer than 256 bytes are refused as field-too-long naming the field; 256 bytes pass")
    func longFields() throws {
        var state = PartitionState(zones: testZones)
        let long = String(repeating: "a", count: InputLimits.maxIDBytes + 1)
        let megabyte = String(repeating: "z", count: 1 << 20)
        let cases: [(TestEvent, String)] = [
            (.audit(Self.audit(long)), "INTERACTION_ID"),
            (.audit(Self.audit("i1", component: megabyte)), "AURA_COMPONENT_ID"),
            (.audit(Self.audit("i2", app: megabyte)), "AURA_APP_ID"),
            (.gateway(TestGateway(id: megabyte, ob: "ESP", app: nil, nlp: false, timeMs: Self.october)), "MESSAGE_ID"),
            (.gateway(TestGateway(id: "m1", ob: "ESP", app: long, nlp: true, timeMs: Self.october)), "AURA_APP_ID"),
        ]
        for (event, field) in cases {
            let error = Self.error { try state.ingest(event) }
            #expect(error?.code == .fieldTooLong)
            #expect(error?.source == field)
            #expect(error?.message.contains("more than the limit of 256") == true)
        }
        #expect(state.strings.count == 0 && state.records == 0)
        let fits = String(repeating: "b", count: InputLimits.maxIDBytes)
        #expect(try state.ingest(Self.audit(fits, component: fits, app: fits)) == .counted)
    }

    @Test("10,000 distinct well-formed OB codes without a time zone are quarantined and leave no strings behind")
    func unknownOBsAreNotInterned() throws {
        var state = PartitionState(zones: testZones)
        try state.ingest(Self.audit("known"))
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var unknown = 0
        for i in 0..<10_000 {
            let ob = String([letters[i / 676 % 26], letters[i / 26 % 26], letters[i % 26]])
            guard testZones.identifiers[ob] == nil else { continue }
            let error = Self.error { try state.ingest(Self.audit("u\(i)", ob: ob)) }
            #expect(error?.code == .unknownTimeZone)
            unknown += 1
        }
        #expect(unknown > 9_900)
        #expect(state.strings.count == 3)  // ESP, c0, app
        #expect(state.auditRows.count == 1)
    }

    @Test("past limits.max_rows_per_partition new rows are refused as too-many-rows; existing rows keep counting")
    func rowCap() throws {
        var state = PartitionState(zones: testZones)
        state.limits = InputLimits(maxRows: 3, maxStrings: 100)
        for i in 0..<3 { #expect(try state.ingest(Self.audit("i\(i)", app: "a\(i)")) == .counted) }
        let refused = Self.error { try state.ingest(Self.audit("i3", component: "c1", app: "a0")) }
        #expect(refused?.code == .tooManyRows)
        #expect(refused?.message.contains("limit of 3 rows") == true)
        // The refused event was not deduplicated: it counts once there is room.
        #expect(try state.ingest(Self.audit("i4", app: "a1")) == .counted)
        #expect(state.auditRows.count == 3)
        #expect(state.auditRows.map(\.count).reduce(0, +) == 4)
        let gateway = Self.error {
            try state.ingest(TestGateway(id: "m0", ob: "ESP", app: "a0", nlp: false, timeMs: Self.october))
        }
        #expect(gateway?.code == .tooManyRows)
        state.limits = InputLimits(maxRows: 4, maxStrings: 100)
        #expect(try state.ingest(Self.audit("i3", component: "c1", app: "a0")) == .counted)
    }

    @Test("past the string limit a new component or app is refused as too-many-strings naming the field")
    func stringCap() throws {
        var state = PartitionState(zones: testZones)
        state.limits = InputLimits(maxRows: 100, maxStrings: 4)
        try state.ingest(Self.audit("i0", component: "c0", app: "a0"))
        try state.ingest(Self.audit("i1", component: "c0", app: "a1"))
        #expect(state.strings.count == 4)
        let component = Self.error { try state.ingest(Self.audit("i2", component: "c9", app: "a0")) }
        #expect(component?.code == .tooManyStrings && component?.source == "AURA_COMPONENT_ID")
        let app = Self.error { try state.ingest(Self.audit("i3", component: "c0", app: "a9")) }
        #expect(app?.code == .tooManyStrings && app?.source == "AURA_APP_ID")
        #expect(state.strings.count == 4)
        #expect(try state.ingest(Self.audit("i4", component: "c0", app: nil)) == .counted)
    }

    @Test("the intern table refuses a new string at its limit instead of trapping; known strings still resolve")
    func internLimit() {
        var table = InternTable()
        #expect(withBytes("a") { table.intern($0, limit: 2) } == 0)
        #expect(withBytes("b") { table.intern($0, limit: 2) } == 1)
        #expect(withBytes("c") { table.intern($0, limit: 2) } == nil)
        #expect(withBytes("a") { table.intern($0, limit: 2) } == 0)
        #expect(withBytes("c") { table.existing($0) } == nil)
        #expect(withBytes("b") { table.existing($0) } == 1)
        #expect(table.count == 2)
    }

    @Test("close marks for names that are not OB codes are ignored rather than interned")
    func closingNonOBs() {
        var state = PartitionState(zones: testZones)
        state.markClosed(ob: String(repeating: "Q", count: 1 << 16), period: Period(year: 2026, month: 9))
        state.markClosedThrough(ob: "esp", period: Period(year: 2026, month: 9))
        state.markClosed(ob: "ESP", period: Period(year: 2026, month: 9))
        #expect(state.strings.count == 1)
        #expect(state.isClosed(ob: "ESP", period: Period(year: 2026, month: 9)))
    }
}
