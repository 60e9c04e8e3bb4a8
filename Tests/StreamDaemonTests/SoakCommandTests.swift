import Foundation
import Testing

/// `aura-billing soak`: the real binary through a year of small months.
@Suite("Soak command", .serialized)
struct SoakCommandTests {
    @Test("a 12-month soak bills every month exactly and holds dedup keys, state bytes and RSS flat past the horizon")
    func twelveMonthsStayFlat() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aura-soak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = DaemonHarness.executable
        process.arguments = ["soak", "12", "2000", "--out", out.path, "--idle-seconds", "1"]
        let stdout = Pipe()
        process.standardOutput = stdout
        let stderr = out.appendingPathExtension("stderr")
        defer { try? FileManager.default.removeItem(at: stderr) }
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let text = String(decoding: try stdout.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
        process.waitUntilExit()
        let log = (try? String(contentsOf: out.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? ""
        let diagnostics = "\(text)\n\((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")\n\(log.suffix(4000))"
        let verdict = text.split(separator: "\n").last { $0.hasPrefix("invoices equal every month:") } ?? ""

        // One line per month: month events dedup_keys rows state_bytes written/event rss heap free ckpt_p99
        // equal.
        let rows: [[String]] = text.split(separator: "\n").map { line in
            line.split(separator: " ").map { String($0) }
        }.filter { $0.count == 11 && $0[0].count == 7 && $0[0].dropFirst(4).first == "-" }
        try #require(rows.count == 12, "\(diagnostics)")
        for row in rows {
            #expect(row[10] == "yes", "totals of \(row[0]) differ from the generator's: \(diagnostics)")
            #expect(Int(row[1]) ?? 0 >= 2000, "\(row)")
            #expect(Double(row[6]) ?? 0 > 0, "the daemon's RSS was not read: \(row)")
            #expect(Double(row[7]) ?? 0 > 0, "the daemon's heap in use was not read: \(row)")
        }
        #expect(verdict.hasPrefix("invoices equal every month: yes;"), "\(diagnostics)")

        // Dedup keys flat from month 3 on, within 10 %: each month's keys leave the state once its
        // horizon has passed (without retention a year would hold about six times month 2's keys).
        let keys = rows.map { Double($0[2]) ?? -1 }
        for i in 3..<12 {
            #expect(abs(keys[i] - keys[2]) <= 0.1 * keys[2], "dedup keys of \(rows[i][0]): \(keys)")
        }
        #expect(keys[11] < 1.5 * keys[1], "\(keys)")

        // State bytes on disk and RSS flat too: a retired month's rows, statistics and strings are
        // compacted away with its keys, and the freed heap goes back to the system.
        let bytes = rows.map { Double($0[4]) ?? -1 }
        let rss = rows.map { Double($0[6]) ?? -1 }
        for i in 3..<12 {
            #expect(abs(bytes[i] - bytes[2]) <= 0.1 * bytes[2], "state bytes of \(rows[i][0]): \(bytes)")
            #expect(abs(rss[i] - rss[2]) <= 0.1 * rss[2], "RSS of \(rows[i][0]): \(rss)")
        }
        #expect(process.terminationStatus == 0, "\(verdict)\n\(diagnostics)")
    }
}
