import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

@Suite("aura-billing demo")
struct DemoCommandTests {
    @Test("the demo bills a generated month end to end and its invoices match its own printed summary")
    func demoEndToEnd() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aura-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = DaemonHarness.executable
        process.arguments = ["demo", "--events", "8000", "--seed", "3", "--month", "2026-10", "--out", out.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = try await Blocking.run {
            String(decoding: try stdout.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
        }
        try await Blocking.run { process.waitUntilExit() }
        #expect(process.terminationStatus == 0, "demo failed:\n\(text)")
        #expect(text.contains("queries per OB equal the generator's independent count: yes"))

        // Every printed row names a workbook whose manifest has the printed queries and total.
        let rows = text.split(separator: "\n").filter { $0.contains("./invoices/") }
        #expect(rows.count >= 10)
        for row in rows {
            let fields = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let (queries, total, workbook) = (fields[2], fields[3], fields[5])
            let path = out.appendingPathComponent(String(workbook.dropFirst(2)))
            #expect(FileManager.default.fileExists(atPath: path.path))
            let manifestURL = path.deletingLastPathComponent().appendingPathComponent("manifest.json")
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
            let totals = try #require(manifest["totals"] as? [String: Any])
            #expect("\(totals["total_queries"] ?? "")" == queries, "\(row)")
            #expect("\(totals["total"] ?? "")" == total, "\(row)")
        }
        // The quarantine file holds the corrupt messages the generator planted.
        let quarantine = try String(contentsOf: out.appendingPathComponent("quarantine.jsonl"), encoding: .utf8)
        #expect(!quarantine.isEmpty)
    }
}
