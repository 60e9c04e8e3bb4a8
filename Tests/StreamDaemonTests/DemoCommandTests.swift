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
        // The demo loads its generated dimension snapshots: names, not ids, and "(no app)".
        let esp = out.appendingPathComponent("invoices/ESP/2026-10/aura-invoice-ESP-2026-10.xlsx").path
        let script = """
            import sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True)}
            print(summary["Country"]); print(summary["Invoice number"])
            print(sum(1 for r in wb["Components"].iter_rows(min_row=2, values_only=True) if r[0] != r[1]))
            print(sum(1 for r in wb["Usage"].iter_rows(min_row=2, values_only=True) if r[2] is None and r[3] == "(no app)"))
            print(sum(1 for r in wb["Usage"].iter_rows(min_row=2, values_only=True) if r[2] is not None and r[2] != r[3]))
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", script, esp]
        let pythonOut = Pipe()
        python.standardOutput = pythonOut
        try python.run()
        let lines = String(decoding: pythonOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        python.waitUntilExit()
        #expect(lines.count == 5, "\(lines)")
        if lines.count == 5 {
            #expect(lines[0] == "Spain")
            #expect(lines[1].hasPrefix("AURA-") && lines[1].count == "AURA-2026-000001".count, "\(lines[1])")
            #expect((Int(lines[2]) ?? 0) > 0, "component names differ from their ids")
            #expect((Int(lines[3]) ?? 0) > 0, "usage rows without an app read (no app)")
            #expect((Int(lines[4]) ?? 0) > 0, "app names differ from their ids")
        }

        // The quarantine file holds the corrupt messages the generator planted.
        let quarantine = try String(contentsOf: out.appendingPathComponent("quarantine.jsonl"), encoding: .utf8)
        #expect(!quarantine.isEmpty)
    }
}
