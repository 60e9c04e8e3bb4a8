import Aggregation
import Foundation
import Testing

@testable import StreamDaemon

/// Issue 9, scenario 1: the daemon is SIGKILLed at many points while it consumes a generated
/// month and twice while it closes periods; the final aggregates equal the generator's totals
/// and the invoices are byte-identical to an uninterrupted run's over the same input.
@Suite("Reliability: crash anywhere", .serialized)
struct ReliabilityCrashTests {
    /// Both runs record this "closed at" (periods.pinned_closed_at), so their files can be
    /// compared byte for byte although they close at different wall-clock instants.
    static let pinnedClosedAt = "2026-11-01T00:05:00Z"
    /// October is the generated month; September holds its late events. Both are past their end
    /// plus grace by the wall clock, so neither close is forced once the daemon caught up.
    static let periods = ["2026-10", "2026-09"]

    static let environment = DaemonHarness.reliabilityEnvironment(["PERIODS_PINNED_CLOSED_AT": pinnedClosedAt])

    @Test("SIGKILL at many points of consumption and twice during closes: exact totals, invoices byte-identical to an uninterrupted run")
    func crashAnywhere() throws {
        let month = try ReliabilityMonth.make(seed: 21)
        let count = month.messages.count
        var outcome = ReliabilityOutcome("crash-anywhere")
        outcome.eventsIn = count

        // The reference: one uninterrupted run over the same input, closed the same way.
        let reference = try DaemonHarness()
        try reference.produce(month.messages)
        try reference.start(environment: Self.environment)
        #expect(reference.waitCaughtUp(count), "reference run did not catch up:\n\(reference.log)")
        for period in Self.periods {
            let report = try reference.closePeriod(period)
            #expect(report.errors.isEmpty && !report.closed.isEmpty, "reference close \(period): \(report)")
        }
        #expect(reference.stop(signal: SIGTERM) == 0)
        let expectedFiles = reference.invoiceFiles()
        #expect(expectedFiles.keys.contains { $0.hasSuffix("aura-invoice-ESP-2026-10.xlsx") })
        #expect(reference.mismatches(month).isEmpty)

        // The crash run: produce a slice at a time while the daemon consumes; kill it once this
        // process has read `k` messages, k drawn anew for every run.
        let harness = try DaemonHarness()
        let feed = try ReliabilityFeed(harness: harness, messages: month.messages)
        let environment = Self.environment
        let killPoints = ReliabilityMonth.long ? 40 : 10
        var random = SplitMix64(seed: 9)
        var previousTarget = 0
        for i in 0..<killPoints {
            let target = count * (i + 1) / (killPoints + 1)
            // The first kill lands during start-up (as soon as /metrics answers), the others after
            // 1...(new messages of this slice) reads: during the catch-up from the checkpoint or
            // at the live end of the stream.
            let k = i == 0 ? 0 : 1 + Int(random.next() % UInt64(max(1, target - previousTarget)))
            try harness.start(environment: environment)
            outcome.runs += 1
            while feed.cursor < target && harness.consumedThisRun < Double(k) {
                try feed.produce(upTo: min(target, feed.cursor + 250))
            }
            let reached = harness.wait(seconds: 60) { harness.consumedThisRun >= Double(k) }
            #expect(reached, "run \(i) did not read \(k) messages:\n\(harness.log)")
            #expect(harness.process?.isRunning == true, "the daemon exited on its own in run \(i):\n\(harness.log)")
            #expect(harness.stop(signal: SIGKILL) == SIGKILL)
            outcome.faults += 1
            previousTarget = target
        }
        try feed.produce(upTo: count)
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count), "not caught up after the kills:\n\(harness.log)")

        // Kill during the first close as soon as its journal exists (closed-at and offsets
        // recorded; the period may or may not be frozen yet), then close again after a restart.
        let stateDir = harness.stateDir
        let first = try harness.startClose(period: Self.periods[0])
        #expect(harness.waitForFile(under: stateDir + "/closes", suffix: ".json") != nil, "no close journal:\n\(harness.log)")
        #expect(harness.stop(signal: SIGKILL) == SIGKILL)
        first.waitUntilExit()
        outcome.faults += 1
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count))
        let closed = try harness.closePeriod(Self.periods[0])
        #expect(closed.errors.isEmpty && !closed.closed.isEmpty, "close after the kill: \(closed)")

        // Kill during the second close once its first workbook is written: the period is frozen,
        // so the restarted daemon finishes the remaining invoices by itself (resumePending).
        let second = try harness.startClose(period: Self.periods[1])
        let invoices = harness.directory.appendingPathComponent("invoices").path
        #expect(harness.waitForFile(under: invoices, suffix: "-\(Self.periods[1]).xlsx") != nil, "no workbook:\n\(harness.log)")
        #expect(harness.stop(signal: SIGKILL) == SIGKILL)
        second.waitUntilExit()
        outcome.faults += 1
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count))
        let resumed = harness.wait(seconds: 30) { (try? CloseJournal.all(stateDir: stateDir).allSatisfy(\.done)) == true }
        #expect(resumed, "the restarted daemon did not finish the interrupted close:\n\(harness.log)")

        // Closing again writes nothing: every file already equals what the close renders.
        for period in Self.periods {
            let again = try harness.closePeriod(period)
            #expect(again.errors.isEmpty && !again.closed.isEmpty && again.closed.allSatisfy { !$0.written && $0.revision == 1 },
                    "re-close of \(period) wrote files: \(again)")
        }
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")

        // Exact totals, and the invoice files byte-identical to the uninterrupted run's.
        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        let files = harness.invoiceFiles()
        let differing = Set(files.keys).union(expectedFiles.keys).filter { files[$0] != expectedFiles[$0] }.sorted()
        #expect(differing.isEmpty, "invoice files differ from the uninterrupted run: \(differing)")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count + differing.count
        outcome.record()
    }
}
