import Testing

@testable import StreamDaemon

@Suite("CloseRecord checks")
struct CloseRecordTests {
    static func record(ob: String = "ESP", period: String = "2026-10") -> CloseRecord {
        CloseRecord(
            kind: .request, ob: ob, period: period, closedAtMs: 1_700_000_000_000, forced: false, requester: "test",
            offsets: [])
    }

    @Test("a well-formed record under its own key passes")
    func wellFormed() {
        let record = Self.record()
        #expect(record.problem(kafkaKey: Array("ESP-2026-10".utf8)) == nil)
    }

    @Test(
        "a record is refused for an OB that is not three capital letters, a period that is not YYYY-MM, or another key",
        arguments: [
            (record(ob: "esp"), "ESP-2026-10", "OB"),
            (record(ob: "ESPA"), "ESPA-2026-10", "OB"),
            (record(ob: String(repeating: "X", count: 1 << 20)), "x", "OB"),
            (record(period: "2026-13"), "ESP-2026-13", "period"),
            (record(period: "2026-1"), "ESP-2026-1", "period"),
            (record(), "DEU-2026-10", "Kafka key"),
        ])
    func refused(record: CloseRecord, key: String, names: String) {
        let problem = record.problem(kafkaKey: Array(key.utf8))
        #expect(problem?.contains(names) == true, "\(String(describing: problem))")
        #expect((problem?.count ?? 0) < 200, "the problem quotes a bounded prefix of the field")
    }
}
