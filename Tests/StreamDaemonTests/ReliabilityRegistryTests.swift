import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18, scenario `registry-outage`: the schema registry answers 503 mid-stream while frames
/// with a newly registered schema id arrive. The partitions needing it pause (`/readyz` 503),
/// nothing is quarantined, and once the registry is back every event is billed exactly.
@Suite("Reliability: schema registry outage", .serialized)
struct ReliabilityRegistryTests {
    /// The audit schema registered again under a new id, first used mid-stream.
    static let newAuditID: Int32 = 11

    /// A registry serving deploy/schemas under ids 1, 2, 3 and `newAuditID` (= 1).
    static func registry() throws -> TinyHTTPServer {
        let schemas = DaemonHarness.root.appendingPathComponent("deploy/schemas")
        func body(_ file: String) throws -> String {
            let text = try String(contentsOf: schemas.appendingPathComponent(file), encoding: .utf8)
            return String(decoding: try JSONSerialization.data(withJSONObject: ["schema": text]), as: UTF8.self)
        }
        return try TinyHTTPServer(routes: [
            "/schemas/ids/1": try body("Aura_Audit.avsc"),
            "/schemas/ids/2": try body("Aura_Audit.v2.avsc"),
            "/schemas/ids/3": try body("Aura_Gateway_Message.avsc"),
            "/schemas/ids/\(newAuditID)": try body("Aura_Audit.avsc"),
        ])
    }

    /// An audit frame of schema id 1 re-labelled with `newAuditID` (same writer schema).
    static func relabelled(_ message: DemoMessage) -> DemoMessage {
        guard message.topic == .audit, message.value.count >= 5, message.value[1...4] == [0, 0, 0, 1] else {
            return message
        }
        var changed = message
        changed.value[4] = UInt8(newAuditID)
        return changed
    }

    @Test(
        "registry down mid-stream: the partitions needing a new schema pause, /readyz says so, nothing is quarantined, and every event is billed once it is back"
    )
    func registryOutage() throws {
        let month = try ReliabilityMonth.make(seed: 61)
        let count = month.messages.count
        let half = count / 2
        var outcome = ReliabilityOutcome("registry-outage")
        outcome.eventsIn = count
        let registry = try Self.registry()
        defer { registry.stop() }
        let harness = try DaemonHarness()

        // 1. Registry up: the first half (ids 1 and 3) is fetched and counted.
        try harness.produce(Array(month.messages[..<half]))
        try harness.start(
            environment: DaemonHarness.reliabilityEnvironment(["SCHEMAS_REGISTRY_URL": registry.url("")]))
        outcome.runs += 1
        #expect(harness.waitCaughtUp(half), "first half not consumed:\n\(harness.log)")

        // 2. Registry down (503); the second half's audit frames use the new id.
        registry.outage = 503
        outcome.faults += 1
        try harness.produce(month.messages[half...].map(Self.relabelled))
        let paused = harness.wait(seconds: 60) {
            guard
                (harness.samples("aura_partitions_paused")?[#"{reason="schema-registry"}"#] ?? 0)
                    >= 1, let (status, body) = try? harness.http("/readyz")
            else { return false }
            return status == 503 && body.contains("partitions paused") && body.contains("schema-registry")
        }
        #expect(paused, "no partition paused, or /readyz did not say so:\n\(harness.log)")
        // The fetcher keeps retrying with back-off (0.5 s, 1 s, 2 s, ...) while it is down.
        let retried = harness.wait(seconds: 60) {
            registry.requestedPaths.filter { $0 == "/schemas/ids/\(Self.newAuditID)" }.count >= 4
        }
        #expect(retried, "the registry was not retried:\n\(harness.log)")
        #expect(try harness.http("/readyz").0 == 503, "ready while the registry is down")
        let pausedAt = harness.progress
        #expect(pausedAt < Double(count), "everything was consumed while the registry was down")

        // 3. Registry back: everything resumes by itself, ready again, exact totals.
        registry.outage = nil
        #expect(harness.waitCaughtUp(count), "not caught up after the registry came back:\n\(harness.log)")
        #expect(harness.log.contains("partition paused") && harness.log.contains("partition resumed"))
        #expect((harness.metric("aura_partition_pauses_total") ?? 0) >= 1)
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        #expect(merged.quarantined == Int64(month.messages.filter(\.isCorrupt).count), "quarantined beyond the corrupt")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail = "paused at \(Int(pausedAt))/\(count) consumed"
        outcome.record()
    }
}
