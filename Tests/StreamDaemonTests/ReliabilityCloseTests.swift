import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18, closes never stop consumption or the watchdog: the real daemon delivers invoices to
/// a loopback blob store (`BlobServer`) that stalls or refuses, while the month streams in.
@Suite("Reliability: closes and delivery", .serialized)
struct ReliabilityCloseTests {
    /// The daemon's configuration for Azure delivery to `server` (one attempt per file: the
    /// background queue does the retrying), its SAS token in `directory`.
    static func azureConfig(_ server: BlobServer, directory: URL) throws -> String {
        let sas = directory.appendingPathComponent("sas-token").path
        try "sig=test".write(toFile: sas, atomically: true, encoding: .utf8)
        return """
            delivery:
              kind: azure
              retries: 1
              azure: { endpoint: "\(server.endpoint)", container: "invoices", sas_token_file: "\(sas)" }
            """
    }

    /// A scratch directory for files the configuration names before the harness exists.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aura-close-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `POST /admin/close?period=…&force=true` with curl in the background; its output goes to `output`.
    static func startClose(_ harness: DaemonHarness, period: String, output: URL) throws -> Process {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-sS", "--max-time", "300", "-X", "POST", "-H", "Authorization: Bearer \(harness.adminToken)",
            "http://127.0.0.1:\(harness.httpPort)/admin/close?period=\(period)&force=true",
        ]
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        curl.standardOutput = try FileHandle(forWritingTo: output)
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        return curl
    }

    /// The OBs with October events in `month`, sorted.
    static func octoberOBs(_ month: ReliabilityMonth) -> [String] {
        let audit = month.expected.auditGroups.filter { $0.period == "2026-10" }.map(\.ob)
        let gateway = month.expected.gatewayGroups.filter { $0.period == "2026-10" }.map(\.ob)
        return Set(audit + gateway).sorted()
    }

    /// OBs whose October workbook is not in the blob store.
    static func undelivered(_ obs: [String], _ server: BlobServer) -> [String] {
        obs.filter { ob in
            !server.blobs.contains { $0.hasPrefix("/invoices/\(ob)/2026-10/") && $0.hasSuffix(".xlsx") }
        }
    }

    @Test(
        "slow-delivery: the blob store stalls during a close; the daemon keeps consuming, committing and pinging the watchdog, and the invoices arrive after"
    )
    func slowDelivery() throws {
        let month = try ReliabilityMonth.make(seed: 61)
        let count = month.messages.count
        var outcome = ReliabilityOutcome("slow-delivery")
        outcome.eventsIn = count
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let server = try BlobServer()
        defer { server.stop() }
        let notify = try NotifySocketListener(directory: scratch)
        defer { notify.stop() }
        let harness = try DaemonHarness(extraConfig: try Self.azureConfig(server, directory: scratch))
        try harness.produce(Array(month.messages[..<(count / 2)]))
        try harness.start(environment: DaemonHarness.reliabilityEnvironment(["NOTIFY_SOCKET": notify.path]))
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count / 2), "not caught up:\n\(harness.log)")

        // The close freezes October, then its first upload is held by the stalled store.
        server.mode = .stall
        let output = scratch.appendingPathComponent("close.json")
        let closing = try Self.startClose(harness, period: "2026-10", output: output)
        #expect(harness.wait(seconds: 60) { server.held > 0 }, "no upload reached the store:\n\(harness.log)")
        let stalledAt = Date()
        outcome.faults += 1

        // During the stall: the second half is consumed and its offsets committed, /readyz stays
        // 200 listing the pending invoices, and the watchdog pings go on for longer than
        // systemd's WatchdogSec=30 (the ping every 2 s: 17 pings ≥ 32 s).
        try harness.produce(Array(month.messages[(count / 2)...]))
        #expect(harness.waitCaughtUp(count), "not caught up during the stall:\n\(harness.log)")
        #expect(
            harness.wait(seconds: 90) { (try? harness.committedOffsetSum()) == Int64(count) },
            "offsets not committed during the stall")
        let (readyStatus, readyBody) = try harness.http("/readyz")
        #expect(readyStatus == 200 && readyBody.contains("invoice pending delivery: "), "\(readyStatus) \(readyBody)")
        #expect((harness.metric("aura_invoices_pending_delivery") ?? 0) >= 1)
        #expect(harness.wait(seconds: 60) { notify.pings(since: stalledAt) >= 17 }, "watchdog pings stopped")
        #expect(server.held > 0 && server.blobs.isEmpty, "the store was not stalled all along")
        #expect(closing.isRunning, "the close request answered before its invoices were delivered")
        let stalledFor = Date().timeIntervalSince(stalledAt)

        // The store recovers: the request gets its report, every October invoice arrives.
        server.mode = .accept
        closing.waitUntilExit()
        let report = try JSONDecoder().decode(CloseReport.self, from: Data(contentsOf: output))
        let obs = Self.octoberOBs(month)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.closed.map(\.ob).sorted() == obs)
        #expect(harness.wait(seconds: 60) { Self.undelivered(obs, server).isEmpty }, "\(server.blobs)")
        #expect(harness.wait(seconds: 30) { harness.metric("aura_invoices_pending_delivery") == 0 })
        #expect(harness.process?.isRunning == true, "the daemon died during the stall:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged) + Self.undelivered(obs, server).map { "\($0) 2026-10 not delivered" }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail =
            "delivery stalled \(Int(stalledFor)) s; \(notify.pings(since: stalledAt)) watchdog pings meanwhile; "
            + "\(report.closed.count) invoices delivered after"
        outcome.record()
    }

    @Test(
        "close-finish-fails: killed after the freeze, the close's finish is refused (403) at start; the daemon runs, retries, and delivers once the store accepts"
    )
    func closeFinishFails() throws {
        let month = try ReliabilityMonth.make(seed: 62)
        let count = month.messages.count
        var outcome = ReliabilityOutcome("close-finish-fails")
        outcome.eventsIn = count
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let server = try BlobServer()
        defer { server.stop() }
        let harness = try DaemonHarness(extraConfig: try Self.azureConfig(server, directory: scratch))
        let environment = DaemonHarness.reliabilityEnvironment()
        try harness.produce(Array(month.messages[..<(count / 2)]))
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count / 2), "not caught up:\n\(harness.log)")

        // Kill once October is frozen and its first upload is underway (held by the store).
        server.mode = .stall
        let closing = try Self.startClose(harness, period: "2026-10", output: scratch.appendingPathComponent("c.json"))
        #expect(harness.wait(seconds: 60) { server.held > 0 }, "no upload reached the store:\n\(harness.log)")
        #expect(harness.stop(signal: SIGKILL) == SIGKILL)
        closing.waitUntilExit()
        outcome.faults += 1
        let journals = try CloseJournal.all(stateDir: harness.stateDir)
        #expect(!journals.isEmpty && journals.allSatisfy { !$0.done }, "\(journals)")

        // The store now refuses (a revoked SAS token): the restarted daemon's finish fails, and
        // it keeps running, consuming the rest of the month and retrying.
        server.mode = .refuse
        try harness.start(environment: environment)
        outcome.runs += 1
        outcome.faults += 1
        try harness.produce(Array(month.messages[(count / 2)...]))
        #expect(harness.waitCaughtUp(count), "not caught up while the finish fails:\n\(harness.log)")
        // Retried: an invoice's second attempt failed too (after its 5 s back-off).
        #expect(
            harness.wait(seconds: 60) { harness.log.contains("failures=2") },
            "the failed finish was not retried:\n\(harness.log)")
        #expect((harness.metric("aura_invoice_delivery_failures_total") ?? 0) > Double(journals.count))
        let (readyStatus, readyBody) = try harness.http("/readyz")
        #expect(readyStatus == 200 && readyBody.contains("invoice pending delivery: "), "\(readyStatus) \(readyBody)")
        #expect(harness.process?.isRunning == true, "the daemon died on the failed finish:\n\(harness.log)")
        #expect(harness.log.contains("invoice not issued; retrying in the background"))

        // Fixed: the next retry delivers every October invoice and marks the journals done.
        server.mode = .accept
        let obs = Self.octoberOBs(month)
        #expect(harness.wait(seconds: 90) { Self.undelivered(obs, server).isEmpty }, "\(server.blobs)\n\(harness.log)")
        #expect(harness.wait(seconds: 30) { harness.metric("aura_invoices_pending_delivery") == 0 })
        #expect(try CloseJournal.all(stateDir: harness.stateDir).allSatisfy(\.done))
        let refused = Int(harness.metric("aura_invoice_delivery_failures_total") ?? 0)
        #expect(harness.stop(signal: SIGTERM) == 0)

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged) + Self.undelivered(obs, server).map { "\($0) 2026-10 not delivered" }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail =
            "killed after the freeze; \(refused) refused "
            + "attempts; \(journals.count) invoices delivered after the fix"
        outcome.record()
    }

    @Test(
        "SIGTERM while a delivery is stalled: the daemon stops promptly, the waiting close gets an error, the next start delivers"
    )
    func stopDuringStall() throws {
        let month = try ReliabilityMonth.make(seed: 63, audit: 2_000, gateway: 500)
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let server = try BlobServer()
        defer { server.stop() }
        let harness = try DaemonHarness(extraConfig: try Self.azureConfig(server, directory: scratch))
        try harness.produce(month.messages)
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        #expect(harness.waitCaughtUp(month.messages.count), "not caught up:\n\(harness.log)")
        server.mode = .stall
        let output = scratch.appendingPathComponent("close.json")
        let closing = try Self.startClose(harness, period: "2026-10", output: output)
        #expect(harness.wait(seconds: 60) { server.held > 0 }, "no upload reached the store:\n\(harness.log)")

        let stopAsked = Date()
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")
        #expect(Date().timeIntervalSince(stopAsked) < 20, "the stop waited for the stalled delivery")
        closing.waitUntilExit()
        let report = try JSONDecoder().decode(CloseReport.self, from: Data(contentsOf: output))
        #expect(
            !report.errors.isEmpty && report.errors.allSatisfy { $0.contains("stopped before the invoice was issued") })
        #expect(try CloseJournal.all(stateDir: harness.stateDir).contains { !$0.done })

        server.mode = .accept
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        let obs = Self.octoberOBs(month)
        #expect(harness.wait(seconds: 60) { Self.undelivered(obs, server).isEmpty }, "\(server.blobs)\n\(harness.log)")
        #expect(
            harness.wait(seconds: 30) { (try? CloseJournal.all(stateDir: harness.stateDir).allSatisfy(\.done)) == true }
        )
        #expect(harness.stop(signal: SIGTERM) == 0)
        #expect(harness.mismatches(month).isEmpty)
    }
}
