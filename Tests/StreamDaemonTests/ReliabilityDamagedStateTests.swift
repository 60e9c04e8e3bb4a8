import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, scenario 3: damaged checkpoints and a state directory the daemon cannot write.
@Suite("Reliability: damaged state", .serialized)
struct ReliabilityDamagedStateTests {
    static let environment = DaemonHarness.reliabilityEnvironment()

    /// A way to damage one checkpoint file.
    enum Damage: String, CaseIterable {
        case flippedByte = "flipped byte"
        case truncated
        case empty = "empty file"
        case newerVersion = "newer format version"

        /// Damages the file at `path` in place.
        func apply(to path: String) throws {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            switch self {
            case .flippedByte:
                bytes[bytes.count / 2] ^= 0x40
            case .truncated:
                bytes.removeLast(bytes.count / 3)
            case .empty:
                bytes = []
            case .newerVersion:
                // A well-formed checkpoint of format version 2: header field patched, checksum
                // recomputed, so only the version tells it apart.
                bytes[8] = UInt8(CheckpointCodec.version + 1)
                bytes[9] = 0
                let bodyEnd = bytes.count - 8
                let crc = bytes.withUnsafeBytes {
                    CheckpointCodec.crc32(of: UnsafeRawBufferPointer(rebasing: $0[0..<bodyEnd]))
                }
                withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[bodyEnd + i] = $0[i] } }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Consumes the month in two graceful runs, so every partition has two checkpoint
    /// generations and the older one lacks part of the stream.
    static func twoGenerations(_ harness: DaemonHarness, _ month: ReliabilityMonth, _ outcome: inout ReliabilityOutcome)
        throws
    {
        let count = month.messages.count
        try harness.produce(Array(month.messages[..<(count / 2)]))
        try harness.start(environment: environment)
        #expect(harness.waitCaughtUp(count / 2), "first half not consumed:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        try harness.produce(Array(month.messages[(count / 2)...]))
        try harness.start(environment: environment)
        #expect(harness.waitCaughtUp(count), "second half not consumed:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        outcome.runs += 2
    }

    @Test(
        "a flipped byte, truncation, an empty file and a newer format version in the newest checkpoint: fallback to the older generation, exact totals"
    )
    func newestGenerationDamaged() throws {
        let month = try ReliabilityMonth.make(seed: 31)
        var outcome = ReliabilityOutcome("damaged-newest-generation")
        outcome.eventsIn = month.messages.count
        let harness = try DaemonHarness()
        try Self.twoGenerations(harness, month, &outcome)

        // Damage the newest generation of four audit partitions, one way each.
        var damaged: [String] = []
        for (partition, damage) in Damage.allCases.enumerated() {
            let store = CheckpointStore(directory: harness.stateDir, name: "\(DaemonHarness.auditTopic)-\(partition)")
            let generations = store.generations()
            try #require(generations.count == 2, "partition \(partition) has generations \(generations)")
            let older = try store.load(generation: generations[1], zones: month.zones)
            let newer = try store.load(generation: generations[0], zones: month.zones)
            // The fallback must re-read something, or the scenario proves nothing.
            #expect(older.partitions[0].nextOffset < newer.partitions[0].nextOffset)
            let path = store.path(generation: generations[0])
            try damage.apply(to: path)
            damaged.append(path)
            outcome.faults += 1
        }

        try harness.start(environment: Self.environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(month.messages.count), "not caught up after the fallback:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        let log = harness.log
        for path in damaged {
            #expect(
                log.contains("falling back to the previous one") && log.contains(path), "no fallback logged for \(path)"
            )
        }
        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.record()
    }

    @Test(
        "both generations damaged while the group has committed offsets: the daemon refuses to start, naming the file")
    func bothGenerationsDamaged() throws {
        let month = try ReliabilityMonth.make(seed: 32)
        var outcome = ReliabilityOutcome("damaged-both-generations")
        outcome.eventsIn = month.messages.count
        let harness = try DaemonHarness()
        try Self.twoGenerations(harness, month, &outcome)

        let store = CheckpointStore(directory: harness.stateDir, name: "\(DaemonHarness.gatewayTopic)-1")
        let generations = store.generations()
        try #require(generations.count == 2)
        let paths = generations.map { store.path(generation: $0) }
        try Damage.flippedByte.apply(to: paths[0])
        try Damage.truncated.apply(to: paths[1])
        outcome.faults += 2
        let before = paths.map { FileManager.default.contents(atPath: $0) }

        try harness.start(environment: Self.environment)
        outcome.runs += 1
        let exited = harness.wait(seconds: 60) { harness.process?.isRunning == false }
        #expect(exited, "the daemon kept running without a valid checkpoint:\n\(harness.log)")
        let status = harness.stop(signal: SIGKILL)
        #expect(status != 0 && status != SIGKILL, "exit status \(status)")
        let log = harness.log
        let refusal = log.split(separator: "\n").filter { $0.contains("refusing to start") }
        #expect(!refusal.isEmpty, "no refusal logged:\n\(log)")
        #expect(
            refusal.contains { $0.contains(paths[0]) }, "the refusal does not name the newest damaged file:\n\(log)")
        #expect(log.contains(paths[1]), "the older damaged file is not named:\n\(log)")
        // Nothing was reset or overwritten: the damaged files are still there, unchanged.
        #expect(paths.map { FileManager.default.contents(atPath: $0) } == before)
        #expect(store.generations() == generations)
        outcome.mismatches = exited && !refusal.isEmpty ? 0 : 1
        outcome.record()
    }
}
