import Aggregation
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
        let (catalogDir, catalog) = try Self.catalogCopy()
        defer { try? FileManager.default.removeItem(at: catalogDir) }
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

extension DaemonSignalsTests {
    /// A copy of deploy/tariffs.yaml in a directory of its own (the test edits it): (directory, file).
    static func catalogCopy() throws -> (URL, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let catalog = directory.appendingPathComponent("tariffs.yaml")
        try FileManager.default.copyItem(
            at: DaemonHarness.root.appendingPathComponent("deploy/tariffs.yaml"), to: catalog)
        return (directory, catalog)
    }

    /// The generated month's audit frames of ESP, rewritten to an OB no zone table knows (NZL):
    /// the OB field `"ESP"` (Avro length 3 = 0x06, then the bytes) becomes `"NZL"`.
    static func framesOfAnOnboardedOB() throws -> [DemoMessage] {
        var generator = try DemoMonthGenerator(
            seed: 11, month: ReadyPeriods.previousMonth(), auditEvents: 600, gatewayEvents: 0)
        let esp: [UInt8] = [0x06] + Array("ESP".utf8)
        let nzl: [UInt8] = [0x06] + Array("NZL".utf8)
        var frames: [DemoMessage] = []
        while var message = generator.next() {
            guard message.topic == .audit, !message.isCorrupt, let at = message.value.firstRange(of: esp) else {
                continue
            }
            message.value.replaceSubrange(at, with: nzl)
            frames.append(message)
        }
        return frames
    }

    @Test("SIGHUP adopts the time zone of an OB onboarded in the catalog: its events count from then on")
    func reloadAdoptsANewOBsTimeZone() throws {
        let (catalogDir, catalog) = try Self.catalogCopy()
        defer { try? FileManager.default.removeItem(at: catalogDir) }
        let harness = try DaemonHarness(tariffsPath: catalog.path)
        let frames = try Self.framesOfAnOnboardedOB()
        try #require(frames.count > 10)

        // Before the reload: no zone for NZL, so its events are quarantined (not lost).
        try harness.produce(frames)
        try harness.start()
        #expect(
            harness.wait(seconds: 60) { harness.metric("aura_events_quarantined_total") == Double(frames.count) },
            "\(harness.log)")
        let pid = try #require(harness.process?.processIdentifier)

        // Onboard NZL in the catalog, with its zone, and reload.
        let text = try String(contentsOf: catalog, encoding: .utf8)
        let onboarded = text.replacingOccurrences(
            of: "\nobs:\n",
            with: "\nobs:\n  NZL: { price_list: eur-standard, time_zone: Pacific/Auckland, model: \"pay-per-use\" }\n")
        try #require(onboarded != text)
        try onboarded.write(to: catalog, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        #expect(harness.wait(seconds: 20) { harness.metric("aura_reloads_total") == 1 }, "\(harness.log)")
        #expect(harness.log.contains("NZL"), "the reload names the OB it adopted")

        // The same events again (as `quarantine requeue` would send them): now counted.
        try harness.produce(frames)
        #expect(
            harness.wait(seconds: 60) {
                (harness.metric("aura_events_consumed_total") ?? -1) == Double(2 * frames.count)
            }, "\(harness.log)")
        #expect(harness.metric("aura_events_quarantined_total") == Double(frames.count))
        #expect(harness.stop(signal: SIGTERM) == 0)
        let zones = try OBTimeZones(OBTimeZones.datagenZones.merging(["NZL": "Pacific/Auckland"]) { $1 })
        let state = try harness.mergedCheckpoints(zones: zones)
        let counted = state.periods().filter { $0.ob == "NZL" }.compactMap {
            state.summary(ob: $0.ob, period: $0.period)
        }
        #expect(!counted.isEmpty)
        #expect(counted.reduce(0) { $0 + $1.events + $1.duplicates } == frames.count)
    }
}
