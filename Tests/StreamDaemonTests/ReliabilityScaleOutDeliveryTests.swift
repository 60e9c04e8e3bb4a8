import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18 scaled out: a close whose delivery fails stays recorded without a done note, and
/// the leader (owner of audit partition 0) finishes it with back-off, with no new trigger and
/// with `periods.auto_close` off, while reporting it like a single machine does. The
/// reliability suite's `scale-out-delivery` line (`scripts/reliability.sh`).
@Suite("Reliability: scale-out invoice deliveries retried with back-off", .serialized)
struct ReliabilityScaleOutDeliveryTests {
    @Test(
        "auto_close off: a close whose uploads are refused is pending (gauge, /readyz, log, failures counted), then delivered by the leader's retry alone once the store accepts"
    )
    func refusedDeliveryRetried() throws {
        let month = try ReliabilityMonth.make(seed: 36, audit: 2_000, gateway: 500)
        var outcome = ReliabilityOutcome("scale-out-delivery")
        outcome.eventsIn = month.messages.count
        let scratch = try ReliabilityCloseTests.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let server = try BlobServer()
        defer { server.stop() }
        let harness = try DaemonHarness(
            auditPartitions: 4, gatewayPartitions: 2,
            extraConfig: try ReliabilityCloseTests.azureConfig(server, directory: scratch))
        let group = try ScaleOutGroup(harness: harness, changelogPartitions: 8)
        try harness.produce(month.messages)
        try group.start("a", environment: ScaleOutTests.fast)
        let port = try #require(group.instances["a"]?.port)
        #expect(
            harness.wait(seconds: 60) { group.covers(partitions: 6, consumed: month.messages.count) },
            "not consumed:\n\(group.logs)")
        #expect(harness.metric("aura_invoices_pending_delivery", port: port) == 0)

        // One close, every upload refused (a revoked SAS token): October is recorded, not done.
        server.mode = .refuse
        let (close, _) = try group.startAdminClose("a", period: ScaleOutTests.period, tag: "refused")
        close.waitUntilExit()
        outcome.runs += 1
        outcome.faults += 1
        let obs = ReliabilityCloseTests.octoberOBs(month)
        let keys = obs.map { "\($0)-\(ScaleOutTests.period)" }
        let requested = try group.closeRecords().filter { $0.kind == .request }.map(\.key)
        #expect(Set(requested) == Set(keys), "requests \(requested.sorted()), want \(keys)")
        #expect(try group.closeRecords().allSatisfy { $0.kind == .request })

        // Visible and retried by the leader with no trigger: the gauge counts the recorded closes
        // without a done note, /readyz lists them (and stays 200), each failed retry is logged.
        #expect(
            harness.wait(seconds: 60) {
                harness.metric("aura_invoices_pending_delivery", port: port) == Double(keys.count)
                    && group.log("a").contains("failures=1")
            }, "no pending gauge or no failed retry:\n\(group.log("a"))")
        let (status, body) = try harness.http("/readyz", port: port)
        #expect(status == 200, "\(body)")
        for key in keys { #expect(body.contains("invoice pending delivery: \(key)"), "\(body)") }
        #expect(group.log("a").contains("invoice not issued; retrying in the background"))
        // The close's attempt and at least one retry, for each invoice.
        #expect(
            (harness.metric("aura_invoice_delivery_failures_total", port: port) ?? 0) >= Double(2 * keys.count))
        #expect(server.refused > 0 && server.blobs.isEmpty)

        // The store accepts again: the next retry delivers every invoice and notes it done.
        server.mode = .accept
        func doneKeys() -> Set<String> {
            Set(((try? group.closeRecords()) ?? []).filter { $0.kind == .done }.map(\.key))
        }
        #expect(
            harness.wait(seconds: 60) {
                ReliabilityCloseTests.undelivered(obs, server).isEmpty && doneKeys() == Set(keys)
                    && harness.metric("aura_invoices_pending_delivery", port: port) == 0
            }, "not delivered by the retry: \(server.blobs), done \(doneKeys().sorted()):\n\(group.log("a"))")
        let (_, after) = try harness.http("/readyz", port: port)
        #expect(!after.contains("invoice pending delivery"), "\(after)")
        #expect(group.log("a").contains("pending invoices issued and delivered"))
        // One done note per invoice; the only close request came from the one trigger.
        let records = try group.closeRecords()
        #expect(records.filter { $0.kind == .done }.count == keys.count, "\(records.map(\.key))")
        #expect(records.filter { $0.kind == .request }.count == keys.count)
        let failures = Int(harness.metric("aura_invoice_delivery_failures_total", port: port) ?? 0)
        #expect(group.stop("a", signal: SIGTERM) == 0, "\(group.log("a"))")

        // The changelog's states equal the generator's totals; every invoice delivered.
        let merged = try group.changelogMerged(partitions: 6, zones: month.zones)
        let problems =
            month.mismatches(merged)
            + ReliabilityCloseTests.undelivered(obs, server).map { "\($0) 2026-10 not delivered" }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail =
            "1 instance, auto_close off; \(failures) refused attempts (close + back-off retries); "
            + "\(keys.count) invoices delivered by the retry alone"
        outcome.record()
    }
}
