import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, scenario 4: hostile HTTP on the loopback listener while the daemon consumes.
@Suite("Reliability: hostile HTTP", .serialized)
struct ReliabilityHTTPTests {
    /// Resident memory of a process in KiB (`VmRSS` of /proc/<pid>/status).
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    /// Runs curl with `arguments`; returns its standard output.
    static func curl(_ arguments: [String]) throws -> String {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = arguments
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = try out.fileHandleForReading.readToEnd() ?? Data()
        curl.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(
        "the admin endpoint refuses missing and wrong tokens, an oversized body and 200 concurrent scrapes leave the daemon healthy, bounded and exact"
    )
    func hostileRequests() throws {
        let month = try ReliabilityMonth.make(seed: 51)
        let count = month.messages.count
        var outcome = ReliabilityOutcome("hostile-http")
        outcome.eventsIn = count
        let harness = try DaemonHarness()
        try harness.produce(Array(month.messages[..<(count / 2)]))
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count / 2), "not caught up:\n\(harness.log)")
        let pid = try #require(harness.pid)
        let close = "/admin/close?period=2026-10&force=true"

        // Missing, wrong, truncated, extended and wrongly-schemed tokens: 401, nothing closed.
        let base = "http://127.0.0.1:\(harness.httpPort)"
        let attempts: [[String]] = [
            [],
            ["-H", "Authorization: Bearer wrong-token"],
            ["-H", "Authorization: Bearer \(harness.adminToken.dropLast())"],
            ["-H", "Authorization: Bearer \(harness.adminToken)x"],
            ["-H", "Authorization: Basic \(Data("admin:\(harness.adminToken)".utf8).base64EncodedString())"],
            ["-H", "Authorization: bearer\(harness.adminToken)"],
            ["-H", "Authorization: \(harness.adminToken)"],
        ]
        for headers in attempts {
            let status = try Self.curl(
                ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"] + headers + [base + close])
            #expect(status == "401", "\(headers) answered \(status)")
            outcome.faults += 1
        }
        #expect(try harness.http(close, method: "GET", token: harness.adminToken).0 != 200, "GET must not close")
        outcome.faults += 1
        #expect(
            !FileManager.default.fileExists(atPath: harness.stateDir + "/closes"),
            "a refused request left a close journal")

        // An oversized body (64 MiB), without and with the token: answered or cut off, never
        // buffered whole, and the daemon stays up.
        let rssBefore = try #require(Self.residentKiB(pid))
        let bodyPath = harness.directory.appendingPathComponent("oversized.bin").path
        _ = FileManager.default.createFile(atPath: bodyPath, contents: Data(repeating: 0x41, count: 64 << 20))
        for token in [nil, harness.adminToken] {
            let headers = token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
            let status = try Self.curl(
                [
                    "-sS", "--max-time", "60", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                    "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + bodyPath,
                ]
                    + headers + [base + "/admin/close?period=1999-01"])
            #expect(status != "500", "oversized body answered \(status)")
            outcome.faults += 1
        }
        #expect(harness.process?.isRunning == true, "the daemon died on an oversized body:\n\(harness.log)")
        #expect(try harness.http("/healthz").0 == 200)
        let rssAfter = try #require(Self.residentKiB(pid))
        #expect(rssAfter - rssBefore < 48 * 1024, "resident memory grew from \(rssBefore) to \(rssAfter) KiB")

        // A burst of 200 scrapes, 50 at a time, while the second half streams in.
        try harness.produce(Array(month.messages[(count / 2)...]))
        var arguments = ["-sS", "--parallel", "--parallel-max", "50", "--max-time", "30"]
        for _ in 0..<200 {
            arguments += ["-o", "/dev/null", "-w", "%{http_code} %{size_download}\\n", base + "/metrics"]
        }
        let lines = try Self.curl(arguments).split(separator: "\n")
        outcome.faults += 200
        #expect(lines.count == 200)
        #expect(
            lines.allSatisfy { $0.hasPrefix("200 ") && (Int($0.split(separator: " ")[1]) ?? 0) > 1000 },
            "\(lines.filter { !$0.hasPrefix("200 ") }.prefix(5))")
        #expect(harness.waitCaughtUp(count), "not caught up after the burst:\n\(harness.log)")
        let rssEnd = try #require(Self.residentKiB(pid))
        #expect(rssEnd - rssBefore < 64 * 1024, "resident memory grew from \(rssBefore) to \(rssEnd) KiB")
        #expect(harness.stop(signal: SIGTERM) == 0)

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.record()
    }
}
