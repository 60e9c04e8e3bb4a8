import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// `periods.auto_close`: the real daemon closes ready periods on its own, and only those.
@Suite("Daemon auto-close", .serialized)
struct DaemonAutoCloseTests {
    @Test("with auto_close on, every ready period is closed without a trigger; periods not ready stay open")
    func closesReadyPeriodsOnItsOwn() throws {
        let harness = try DaemonHarness()
        var generator = try DemoMonthGenerator(
            seed: 11, month: ReadyPeriods.previousMonth(), auditEvents: 3_000, gatewayEvents: 800)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        try harness.produce(messages)
        try harness.start(environment: ["PERIODS_AUTO_CLOSE": "true", "PERIODS_AUTO_CLOSE_CHECK_SECONDS": "1"])

        // Ready by the wall clock: periods whose end in the OB's zone plus the 6 h grace has
        // passed (the generated month, the late events' previous month); the events straddling
        // into the current month are not.
        let periods = try ReadyPeriods(generator.expected)
        let ready = periods.ready
        let notReady = periods.notReady
        #expect(!ready.isEmpty)
        #expect(
            harness.wait(seconds: 90) { harness.metric("aura_periods_closed_total") == Double(ready.count) },
            "\(harness.log)")
        #expect(harness.metric("aura_partition_next_offset") == Double(messages.count))
        #expect(harness.stop(signal: SIGTERM) == 0)

        for key in ready {
            let entry = (ob: key.split(separator: "/")[0], period: key.split(separator: "/")[1])
            let folder = harness.directory.appendingPathComponent("invoices/\(key)")
            let manifestURL = folder.appendingPathComponent("manifest.json")
            let data = try Data(contentsOf: manifestURL)
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(manifestURL.path)")
            #expect(manifest["forced"] as? Bool == false, "\(key)")
            #expect(
                FileManager.default.fileExists(
                    atPath: folder.appendingPathComponent("aura-invoice-\(entry.ob)-\(entry.period).xlsx").path))
        }
        for key in notReady {
            let folder = harness.directory.appendingPathComponent("invoices/\(key)")
            #expect(!FileManager.default.fileExists(atPath: folder.path), "\(key) closed before it was ready")
        }
    }
}
