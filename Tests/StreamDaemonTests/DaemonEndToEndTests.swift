import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// `aura-billing run` as a process, against the embedded broker, on a generated month.
@Suite("Daemon end to end", .serialized)
struct DaemonEndToEndTests {
    /// Sum of every partition's next offset (= messages consumed, offsets start at 0).
    static func consumed(_ harness: DaemonHarness) -> Double {
        harness.metric("aura_partition_next_offset") ?? -1
    }

    @Test(
        "a generated month through the daemon equals the generator's own count, across a SIGTERM and a SIGKILL restart")
    func monthMatchesAcrossRestarts() throws {
        var generator = try DemoMonthGenerator(seed: 11, month: "2026-10", auditEvents: 24_000, gatewayEvents: 6_000)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        let expected = generator.expected
        let harness = try DaemonHarness()
        let third = messages.count / 3

        // 1. First third, then a graceful stop.
        try harness.produce(Array(messages[..<third]))
        try harness.start()
        #expect(
            harness.wait(seconds: 60) { Self.consumed(harness) == Double(third) },
            "first third not consumed:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        // 2. Second third; kill -9 halfway through consuming it.
        try harness.produce(Array(messages[third..<(2 * third)]))
        try harness.start()
        #expect(harness.wait(seconds: 60) { Self.consumed(harness) >= Double(third + third / 2) })
        harness.stop(signal: SIGKILL)

        // 3. The rest; resume from the checkpoints and finish.
        try harness.produce(Array(messages[(2 * third)...]))
        try harness.start()
        #expect(
            harness.wait(seconds: 90) { Self.consumed(harness) == Double(messages.count) },
            "not all consumed:\n\(harness.log)")
        #expect(harness.wait(seconds: 30) { (try? harness.http("/readyz").0) == 200 })

        // The admin endpoint refuses without the token, and closes with it.
        #expect(try harness.http("/admin/close?period=2026-10&force=true", method: "POST").0 == 401)
        let (status, body) = try harness.http(
            "/admin/close?period=2026-10&force=true", method: "POST", token: harness.adminToken)
        #expect(status == 200, "close failed: \(body)\n\(harness.log)")
        let report = try JSONDecoder().decode(CloseReport.self, from: Data(body.utf8))

        // A second close, through `aura-billing close`, rewrites nothing and names the same files.
        let cli = Process()
        cli.executableURL = DaemonHarness.executable
        cli.arguments = ["close", "--config", harness.configPath, "--period", "2026-10"]
        let cliOut = Pipe()
        cli.standardOutput = cliOut
        try cli.run()
        let again = try JSONDecoder().decode(CloseReport.self, from: cliOut.fileHandleForReading.readToEnd() ?? Data())
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0)
        #expect(again.closed.map(\.workbook).sorted() == report.closed.map(\.workbook).sorted())
        #expect(again.closed.allSatisfy { !$0.written && $0.revision == 1 })
        #expect(harness.stop(signal: SIGTERM) == 0)

        // Aggregates in the checkpoints equal the generator's independent count, exactly.
        let merged = try harness.mergedCheckpoints(zones: OBTimeZones(expected.timeZones))
        let problems = ReliabilityMonth(messages: messages, expected: expected).mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")

        // Every corrupt message is in the quarantine file with its reason (re-appended copies
        // after the kill share topic/partition/offset).
        let quarantine = try String(
            contentsOf: harness.directory.appendingPathComponent("quarantine.jsonl"), encoding: .utf8)
        var quarantined = Set<String>()
        for line in quarantine.split(separator: "\n") {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((record["reason"] as? String)?.isEmpty == false)
            quarantined.insert("\(record["topic"]!)/\(record["partition"]!)@\(record["offset"]!)")
        }
        #expect(quarantined.count == expected.audit.corrupt + expected.gateway.corrupt)

        // One invoice per OB with October events, and its queries are the generator's.
        let october = expected.queriesByOBPeriod.filter { $0.period == "2026-10" }
        #expect(Set(report.closed.map(\.ob)) == Set(october.map(\.ob)))
        for row in october {
            let invoice = try #require(report.closed.first { $0.ob == row.ob })
            #expect(invoice.totalQueries == Int64(row.queries), "queries of \(row.ob)")
            #expect(FileManager.default.fileExists(atPath: invoice.workbook))
            // October is past its end plus grace by the wall clock and every partition is
            // idle (caught up), so the period is ready: `force` was not needed.
            #expect(!invoice.forced)
        }
    }
}
