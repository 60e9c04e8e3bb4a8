import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, scenario 1: the daemon is SIGKILLed at many points while it consumes a generated
/// month (some while a checkpoint is being written), while it closes periods and while it
/// delivers invoice files; the final aggregates equal the generator's totals and the invoices
/// and manifests are byte-identical to an uninterrupted run's over the same input.
@Suite("Reliability: crash anywhere", .serialized)
struct ReliabilityCrashTests {
    /// Both runs record this "closed at" (periods.pinned_closed_at), so their files can be
    /// compared byte for byte although they close at different wall-clock instants.
    static let pinnedClosedAt = "2026-11-01T00:05:00Z"
    /// October is the generated month; September holds its late events. Both are past their end
    /// plus grace by the wall clock, so neither close is forced once the daemon caught up.
    static let periods = ["2026-10", "2026-09"]

    static let environment = DaemonHarness.reliabilityEnvironment(["PERIODS_PINNED_CLOSED_AT": pinnedClosedAt])

    /// Kills per phase: consumption (every third at a checkpoint write) and delivery; one more
    /// during each period's close. CI: 13; `--long`: 100.
    static let plan = ReliabilityMonth.long ? (consumption: 88, delivery: 10) : (consumption: 9, delivery: 2)

    @Test(
        "SIGKILL during consumption, checkpoint writes, closes and deliveries: exact totals, invoices byte-identical to an uninterrupted run"
    )
    func crashAnywhere() throws {
        // The CI-sized month in both modes: `--long` spends its time on restarts (100 kills)
        // rather than on a bigger month.
        let month = try ReliabilityMonth.make(seed: 21, audit: 16_000, gateway: 4_000)
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

        // The crash run: produce a slice at a time while the daemon consumes and SIGKILL it,
        // restarting each time. Consumption kills land once this process has read `k` messages
        // (k drawn anew for every run); every third one instead waits for a checkpoint
        // temporary file written by this process and kills while it is in flight.
        let harness = try DaemonHarness()
        let feed = try ReliabilityFeed(harness: harness, messages: month.messages)
        let environment = Self.environment
        let plan = Self.plan
        var random = SplitMix64(seed: 9)
        var previousTarget = 0
        var landed = (consumption: 0, checkpointAimed: 0, checkpointWrite: 0, close: 0, deliveryAimed: 0, delivery: 0)
        for i in 0..<plan.consumption {
            let target = count * (i + 1) / (plan.consumption + 1)
            let atCheckpoint = i % 3 == 2
            // The first kill lands during start-up (as soon as /metrics answers), the others after
            // 1...(new messages of this slice) reads: during the catch-up from the checkpoint or
            // at the live end of the stream.
            let k = i == 0 ? 0 : 1 + Int(random.next() % UInt64(max(1, target - previousTarget)))
            let before = harness.checkpointTemporaries()
            try harness.start(environment: environment)
            outcome.runs += 1
            if atCheckpoint {
                // This run's slice gives it something to checkpoint.
                try feed.produce(upTo: target)
                let seen = harness.waitForCheckpointWrite(since: before)
                #expect(seen, "run \(i) wrote no checkpoint:\n\(harness.log)")
            } else {
                while feed.cursor < target && harness.consumedThisRun < Double(k) {
                    try feed.produce(upTo: min(target, feed.cursor + 250))
                }
                let reached = harness.wait(seconds: 60) { harness.consumedThisRun >= Double(k) }
                #expect(reached, "run \(i) did not read \(k) messages:\n\(harness.log)")
            }
            #expect(harness.process?.isRunning == true, "the daemon exited on its own in run \(i):\n\(harness.log)")
            #expect(harness.stop(signal: SIGKILL) == SIGKILL)
            outcome.faults += 1
            if atCheckpoint {
                landed.checkpointAimed += 1
                // Still there after the kill: the process died before renaming it into place.
                if harness.checkpointWriteInFlight(since: before) { landed.checkpointWrite += 1 }
            } else {
                landed.consumption += 1
            }
            previousTarget = target
        }
        try feed.produce(upTo: count)
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(count), "not caught up after the kills:\n\(harness.log)")

        // Each period: kill during its close as soon as the first journal exists (closed-at and
        // offsets recorded; the period may or may not be frozen yet), restart, close again and
        // kill while an invoice file is being delivered into the invoices directory (its
        // `.tmp-<pid>` exists), then again during the deliveries the restarted daemon resumes
        // by itself (resumePending), until the period's share of delivery kills is spent.
        let stateDir = harness.stateDir
        let invoiceNames = expectedFiles.keys.sorted()
        for (p, period) in Self.periods.enumerated() {
            let periodFiles = invoiceNames.filter { $0.contains("/\(period)/") }
            let closing = try harness.startClose(period: period)
            #expect(
                harness.waitForFile(under: stateDir + "/closes", suffix: "-\(period).json") != nil,
                "no close journal:\n\(harness.log)")
            #expect(harness.stop(signal: SIGKILL) == SIGKILL)
            closing.waitUntilExit()
            outcome.faults += 1
            landed.close += 1
            try harness.start(environment: environment)
            outcome.runs += 1
            #expect(harness.waitCaughtUp(count))
            var closeAgain: Process? = try harness.startClose(period: period)
            let share = plan.delivery / Self.periods.count + (p < plan.delivery % Self.periods.count ? 1 : 0)
            for _ in 0..<share {
                // The close (or its resumption at start-up) is underway: wait for one of its
                // invoice files in flight, or for the period's journals all being done.
                var inFlight: [String] = []
                let periodDone = {
                    (try? CloseJournal.all(stateDir: stateDir).filter { $0.period == period }.allSatisfy(\.done))
                        == true
                }
                var polls = 0
                _ = harness.pollFast(seconds: 60) {
                    inFlight = harness.deliveryTemporaries(of: periodFiles)
                    polls += 1
                    return !inFlight.isEmpty || (polls % 200 == 0 && periodDone())
                }
                guard !inFlight.isEmpty else { break }
                #expect(harness.stop(signal: SIGKILL) == SIGKILL)
                closeAgain?.waitUntilExit()
                closeAgain = nil
                outcome.faults += 1
                landed.deliveryAimed += 1
                if inFlight.contains(where: { FileManager.default.fileExists(atPath: $0) }) { landed.delivery += 1 }
                try harness.start(environment: environment)
                outcome.runs += 1
            }
            closeAgain?.waitUntilExit()
            #expect(harness.waitCaughtUp(count))
            // After the kills the period is frozen (the restarted daemon finished it) or not yet
            // (the kill came before the freeze): a close finishes it either way.
            let closed = try harness.closePeriod(period)
            #expect(closed.errors.isEmpty && !closed.closed.isEmpty, "close of \(period) after the kills: \(closed)")
            let done = harness.wait(seconds: 30) {
                (try? CloseJournal.all(stateDir: stateDir).allSatisfy(\.done)) == true
            }
            #expect(done, "the close of \(period) did not finish:\n\(harness.log)")
        }
        outcome.detail =
            "kills: \(landed.consumption) consumption, \(landed.checkpointAimed) at a checkpoint write "
            + "(\(landed.checkpointWrite) before its rename), \(landed.close) close, \(landed.deliveryAimed) delivery "
            + "(\(landed.delivery) before the file's rename)"
        #expect(landed.deliveryAimed >= plan.delivery / 2, "too few delivery kills: \(outcome.detail)")

        // Closing again writes nothing: every file already equals what the close renders.
        for period in Self.periods {
            let again = try harness.closePeriod(period)
            #expect(
                again.errors.isEmpty && !again.closed.isEmpty
                    && again.closed.allSatisfy { !$0.written && $0.revision == 1 },
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
