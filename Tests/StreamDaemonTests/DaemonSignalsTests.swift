import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// SIGHUP and SIGUSR1 sent to the real daemon process.
@Suite("Daemon signals", .serialized)
struct DaemonSignalsTests {
    @Test(
        "SIGHUP reloads the catalog, an invalid catalog is rejected and the old one kept, SIGUSR1 closes the ready periods"
    )
    func reloadAndCloseReady() throws {
        let catalogDir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: catalogDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: catalogDir) }
        let catalog = catalogDir.appendingPathComponent("tariffs.yaml")
        try FileManager.default.copyItem(
            at: DaemonHarness.root.appendingPathComponent("deploy/tariffs.yaml"), to: catalog)
        let harness = try DaemonHarness(tariffsPath: catalog.path)

        var generator = try DemoMonthGenerator(
            seed: 5, month: ReadyPeriods.previousMonth(), auditEvents: 3_000, gatewayEvents: 800)
        var messages: [DemoMessage] = []
        while let message = generator.next() { messages.append(message) }
        try harness.produce(messages)
        try harness.start()
        #expect(
            harness.wait(seconds: 60) { (harness.metric("aura_partition_next_offset") ?? -1) == Double(messages.count) }
        )
        #expect(harness.wait(seconds: 30) { (try? harness.http("/readyz").0) == 200 })
        let pid = try #require(harness.process?.processIdentifier)

        kill(pid, SIGHUP)
        #expect(harness.wait(seconds: 20) { harness.metric("aura_reloads_total") == 1 }, "\(harness.log)")

        // An unquoted (floating-point) price makes the catalog invalid: the reload is refused.
        let text = try String(contentsOf: catalog, encoding: .utf8)
        try text.replacingOccurrences(of: #"default_unit_price: "0.0010""#, with: "default_unit_price: 0.0010")
            .write(to: catalog, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        #expect(harness.wait(seconds: 20) { harness.metric("aura_reload_failures_total") == 1 }, "\(harness.log)")
        #expect(harness.metric("aura_reloads_total") == 1)

        // SIGUSR1: every ready period closes, priced with the catalog still in force.
        kill(pid, SIGUSR1)
        // Ready: periods whose end in the OB's zone plus the 6 h grace has passed by the wall
        // clock (the generated month, the late events' previous month; not the events straddling
        // into the current month).
        let expected = try ReadyPeriods(generator.expected).ready
        #expect(
            harness.wait(seconds: 60) { harness.metric("aura_periods_closed_total") == Double(expected.count) },
            "\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        for key in expected {
            let parts = key.split(separator: "/")
            let workbook = harness.directory.appendingPathComponent(
                "invoices/\(parts[0])/\(parts[1])/aura-invoice-\(parts[0])-\(parts[1]).xlsx")
            #expect(FileManager.default.fileExists(atPath: workbook.path), "missing \(workbook.path)")
        }
    }
}
