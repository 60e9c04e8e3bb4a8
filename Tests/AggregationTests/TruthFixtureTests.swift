import Foundation
import Testing

@testable import Aggregation

/// Aggregates the datagen fixtures (decoded by the generator's own Python decoder into TSV,
/// see Fixtures/make_events_tsv.py) and compares with the generator's truth files.
@Suite("Truth fixtures")
struct TruthFixtureTests {
    static let avroFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("AvroTests/Fixtures")

    static func lines(_ name: String) throws -> [[Substring]] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    static func truth(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: avroFixtures.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func optional(_ s: Substring) -> String? { s == "\\N" ? nil : String(s) }

    static func zones(_ truth: [String: Any]) throws -> OBTimeZones {
        try OBTimeZones(try #require(truth["time_zones"] as? [String: String]))
    }

    /// Feeds the TSV; with `graceMs` set, closes ready periods after every 100 events.
    static func auditState(graceMs: Int64? = nil) throws -> PartitionState {
        let truth = try truth("audit-2k.null.avro.truth.json")
        var state = PartitionState(zones: try zones(truth))
        let src = state.source(PartitionKey(topic: "audit-2k.null.avro", partition: 0))
        for (i, f) in try lines("audit-2k.events.tsv").enumerated() {
            try #require(f.count == 6)
            let e = TestAudit(
                id: String(f[0]), component: String(f[5]), ob: String(f[3]), app: optional(f[2]),
                service: try #require(ServiceName.index(String(f[4]))), timeMs: try ms(String(f[1])))
            try state.ingest(e, source: src)
            state.markConsumed(source: src, offset: Int64(i))
            if let graceMs, i % 100 == 99 { state.closeReadyPeriods(graceMs: graceMs, nowMs: 0) }
        }
        return state
    }

    @Test("audit: groups, records and duplicates equal the truth file")
    func audit() throws {
        let truth = try Self.truth("audit-2k.null.avro.truth.json")
        let state = try Self.auditState()
        #expect(state.records == truth["total_records"] as? Int64 ?? Int64(truth["total_records"] as! Int))
        #expect(state.duplicates == Int64(try #require(truth["duplicates_dropped"] as? Int)))
        var expected: [String: Int64] = [:]
        for g in try #require(truth["groups"] as? [[Any]]) {
            let app = g[3] as? String ?? "∅"
            expected["\(g[0])|\(g[1])|\(g[2])|\(app)|\(g[4])"] = Int64(g[5] as! Int)
        }
        var actual: [String: Int64] = [:]
        for row in state.allAuditUsage() {
            actual["\(row.ob)|\(row.period)|\(row.component)|\(row.app ?? "∅")|\(row.service)", default: 0] +=
                row.queries
        }
        #expect(actual == expected)
        #expect(state.partitions[0].nextOffset == 2000)
    }

    @Test("audit with periods closed as the watermark passes them: same totals, late rows billed later")
    func auditWithClosing() throws {
        let open = try Self.auditState()
        let closing = try Self.auditState(graceMs: 0)
        #expect(closing.late > 0)
        #expect(closing.duplicates == open.duplicates)
        var lateTotal: Int64 = 0
        for row in closing.allAuditUsage() where row.billedIn != nil {
            #expect(row.period == Period(year: 2026, month: 9))
            #expect(row.billedIn == Period(year: 2026, month: 10))
            lateTotal += row.queries
        }
        #expect(lateTotal == closing.late)
        // Late or not, every unique event is counted once under its own period.
        func totals(_ s: PartitionState) -> [String: Int64] {
            var t: [String: Int64] = [:]
            for r in s.allAuditUsage() { t["\(r.ob)|\(r.period)", default: 0] += r.queries }
            return t
        }
        #expect(totals(closing) == totals(open))
        let truth = try Self.truth("audit-2k.null.avro.truth.json")
        let byOBMonth = try #require(truth["totals_by_ob_month"] as? [String: Int])
        #expect(totals(open) == byOBMonth.mapValues { Int64($0) })
    }

    @Test("gateway: messages and NLP messages per (OB, month, app) equal the truth file")
    func gateway() throws {
        let truth = try Self.truth("gateway-2k.deflate.avro.truth.json")
        var state = PartitionState(zones: try Self.zones(truth))
        let src = state.source(PartitionKey(topic: "gateway", partition: 0))
        for f in try Self.lines("gateway-2k.events.tsv") {
            try #require(f.count == 5)
            try state.ingest(
                TestGateway(
                    id: String(f[0]), ob: String(f[3]), app: Self.optional(f[2]), nlp: f[4] == "1",
                    timeMs: try ms(String(f[1]))), source: src)
        }
        #expect(state.duplicates == Int64(try #require(truth["duplicates_dropped"] as? Int)))
        var expected: [String: [Int64]] = [:]
        for g in try #require(truth["groups"] as? [[Any]]) {
            let key = "\(g[0])|\(g[1])|\(g[2] as? String ?? "∅")"
            let count = Int64(g[5] as! Int)
            let nlp = (g[4] as? Bool) ?? ((g[4] as? Int) == 1)
            expected[key, default: [0, 0]][0] += count
            if nlp { expected[key, default: [0, 0]][1] += count }
        }
        var actual: [String: [Int64]] = [:]
        for row in state.allGatewayUsage() {
            actual["\(row.ob)|\(row.period)|\(row.app ?? "∅")"] = [row.messages, row.nlpMessages]
        }
        #expect(actual == expected)
    }
}
