import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18, `quarantine-requeue`: a generated month whose gateway messages are all quarantined
/// because their writer schema (id 3) is missing from `schemas.files`; the schema is added and
/// the daemon restarted; `aura-billing quarantine requeue --reason unknown-schema-id` produces
/// the parked messages back to their partitions while the daemon runs. The aggregates then equal
/// the generator's, a second requeue skips everything, and a forced one (`--again`) only adds
/// duplicates: nothing is counted twice; the invoices equal those of a run that never
/// quarantined anything.
@Suite("Reliability: quarantine requeue", .serialized)
struct ReliabilityQuarantineTests {
    /// Runs `aura-billing` with `arguments` to completion: (exit status, stdout + stderr).
    static func command(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = DaemonHarness.executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The number after `label` in a requeue report line (`requeued 12  already requeued 0 …`).
    static func count(_ label: String, in text: String) -> Int? {
        guard let range = text.range(of: label + " ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    static let periods = ["2026-10", "2026-09"]

    /// Closes `periods` (forced) and returns each invoice as `OB period currency total queries
    /// requests`, sorted (the workbook paths differ between runs; the amounts must not).
    static func invoices(_ harness: DaemonHarness) throws -> [String] {
        var lines: [String] = []
        for period in periods {
            let report = try harness.closePeriod(period)
            #expect(report.errors.isEmpty, "close \(period): \(report.errors)")
            lines += report.closed.map {
                "\($0.ob) \($0.period) \($0.currency) \($0.total) \($0.totalQueries) \($0.totalRequests)"
            }
        }
        return lines.sorted()
    }

    /// The invoices of one uninterrupted run over `month` with every schema known.
    static func referenceInvoices(_ month: ReliabilityMonth) throws -> [String] {
        let reference = try DaemonHarness()
        try reference.produce(month.messages)
        try reference.start(environment: DaemonHarness.reliabilityEnvironment())
        #expect(reference.waitCaughtUp(month.messages.count), "reference not caught up:\n\(reference.log)")
        let invoices = try Self.invoices(reference)
        #expect(reference.stop(signal: SIGTERM) == 0)
        #expect(reference.mismatches(month).isEmpty, "the reference run has the generator's totals")
        return invoices
    }

    @Test(
        "events quarantined for a missing schema, schema added, requeued into the live daemon: the generator's totals and a clean run's invoices, duplicates not double-counted"
    )
    func quarantineRequeue() throws {
        let month = try ReliabilityMonth.make(seed: 71, audit: 6_000, gateway: 2_000)
        var outcome = ReliabilityOutcome("quarantine-requeue")
        outcome.eventsIn = month.messages.count
        let harness = try DaemonHarness()
        let fixed = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        let broken = fixed.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("Aura_Gateway_Message.avsc") }.joined(separator: "\n")
        #expect(broken != fixed)
        try broken.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        outcome.faults += 1

        // 1. Schema id 3 unknown: every gateway message is quarantined.
        try harness.produce(month.messages)
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        outcome.runs += 1
        #expect(harness.waitCaughtUp(month.messages.count), "not caught up:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")
        let quarantinePath = harness.directory.appendingPathComponent("quarantine.jsonl").path
        let parked = QuarantineReader(path: quarantinePath).read()
        let gatewayCount = month.messages.filter { $0.topic == .gateway }.count
        #expect(parked.records.filter { $0.topic == DaemonHarness.gatewayTopic }.count == gatewayCount)
        let selected = parked.records.filter { $0.reason == "unknown-schema-id" }
        #expect(selected.allSatisfy { $0.topic == DaemonHarness.gatewayTopic && $0.keyBase64 != nil })
        let corrupt = Set(month.messages.filter(\.isCorrupt).map { Data($0.value).base64EncodedString() })
        let corruptSelected = selected.filter { corrupt.contains($0.valueBase64 ?? "") }.count
        #expect(selected.count > gatewayCount / 2, "most gateway messages parked for their schema")

        // 2. Schema fixed, daemon restarted; requeue against the live daemon.
        try fixed.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        try harness.start(environment: DaemonHarness.reliabilityEnvironment())
        outcome.runs += 1
        #expect(harness.waitCaughtUp(month.messages.count), "not caught up after the fix:\n\(harness.log)")
        let requeue = ["quarantine", "requeue", "--config", harness.configPath, "--reason", "unknown-schema-id"]
        let (status, first) = try Self.command(requeue)
        #expect(status == 0, "\(first)")
        #expect(Self.count("requeued", in: first) == selected.count, "\(first)")
        #expect(harness.waitCaughtUp(month.messages.count + selected.count), "requeued not consumed:\n\(harness.log)")

        // 3. A second requeue skips every marked record; a forced one only makes duplicates.
        let (_, second) = try Self.command(requeue)
        #expect(Self.count("requeued", in: second) == 0 && Self.count("already requeued", in: second) == selected.count)
        let (againStatus, again) = try Self.command(requeue + ["--again"])
        #expect(againStatus == 0 && Self.count("requeued", in: again) == selected.count, "\(again)")
        outcome.faults += 1
        let produced = month.messages.count + 2 * selected.count
        #expect(harness.waitCaughtUp(produced), "forced requeue not consumed:\n\(harness.log)")
        let (_, summary) = try Self.command([
            "quarantine", "summary", "--config", harness.configPath, "--format", "json",
        ])
        let document = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        #expect(
            ((document?["by_reason"] as? [String: Any])?["unknown-schema-id"] as? [String: Any])?["requeued"] as? Int
                == selected.count, "\(summary)")
        let invoices = try Self.invoices(harness)
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        // The generator's aggregates; the counters moved only by the requeues' known effects.
        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let valid = Int64(month.expected.audit.valid + month.expected.gateway.valid)
        let generatorDuplicates = Int64(month.expected.audit.duplicates + month.expected.gateway.duplicates)
        let forcedCopies = Int64(selected.count - corruptSelected)
        var problems = month.mismatches(merged).filter {
            !$0.hasPrefix("duplicates:") && !$0.hasPrefix("decoded records:") && !$0.hasPrefix("quarantined:")
        }
        if merged.records != valid + forcedCopies {
            problems.append("decoded records: daemon \(merged.records), expected \(valid + forcedCopies)")
        }
        if merged.duplicates != generatorDuplicates + forcedCopies {
            problems.append("duplicates: daemon \(merged.duplicates), expected \(generatorDuplicates + forcedCopies)")
        }
        let quarantined = Int64(month.expected.audit.corrupt + gatewayCount + 2 * corruptSelected)
        if merged.quarantined != quarantined {
            problems.append("quarantined: daemon \(merged.quarantined), expected \(quarantined)")
        }
        // The invoices: those of a run that never quarantined anything.
        let expectedInvoices = try Self.referenceInvoices(month)
        #expect(!invoices.isEmpty && invoices.contains { $0.hasPrefix("ESP 2026-10") }, "\(invoices)")
        for line in Set(invoices).symmetricDifference(expectedInvoices).sorted() {
            problems.append("invoice only in \(invoices.contains(line) ? "requeue run" : "reference"): \(line)")
        }
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")

        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail =
            "\(selected.count) gateway messages parked for schema id 3, requeued after the fix, then again with --again (\(forcedCopies) duplicates absorbed)"
        outcome.record()
    }
}
