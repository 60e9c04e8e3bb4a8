import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 9, scenarios 3 (no write permission) and 5 (full disk): checkpoints fail, offsets are
/// not committed, metrics and /readyz say so, nothing is reset; once the directory is writable
/// again the daemon catches up and the totals are exact.
@Suite("Reliability: unwritable state directory", .serialized)
struct ReliabilityUnwritableStateTests {
    static let environment = DaemonHarness.reliabilityEnvironment()

    /// How the state directory becomes unwritable. We run as root, for whom permission bits do
    /// not apply: the immutable attribute (`chattr +i`) refuses every new file in the directory
    /// even to root, which is what a read-only state directory looks like to the daemon.
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        case immutableDirectory = "immutable directory (chattr +i)"
        case fullDisk = "full disk (tmpfs filled up)"

        var testDescription: String { rawValue }
        var scenario: String { self == .immutableDirectory ? "unwritable-state-dir" : "full-disk" }
    }

    /// Runs a command (chattr, mount), throwing on failure.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DaemonError(
                .usage, "\(tool) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    /// Writes zeros to the file `filler` until its file system is full (down to 4 KiB pages).
    static func fill(_ filler: String) {
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: filler) else { return }
        defer { try? handle.close() }
        for chunk in [1 << 20, 4096] {
            let data = Data(count: chunk)
            while (try? handle.write(contentsOf: data)) != nil {}
        }
    }

    /// The `.ckpt` files of the state directory with their sizes.
    static func checkpointFiles(_ directory: String) -> [String: Int] {
        var files: [String: Int] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasSuffix(".ckpt") {
            files[name] =
                (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? -1
        }
        return files
    }

    @Test(
        "checkpoints failing: offsets not committed, metrics and readiness say so, a crash loses nothing, recovery is exact",
        .enabled(if: geteuid() == 0, "chattr +i and mount -t tmpfs need root"), arguments: Fault.allCases)
    func unwritable(_ fault: Fault) throws {
        let month = try ReliabilityMonth.make(seed: 41)
        let count = month.messages.count
        let third = count / 3
        var outcome = ReliabilityOutcome(fault.scenario)
        outcome.eventsIn = count

        var mountPoint: String?
        if fault == .fullDisk {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "aura-rel-disk-\(UUID().uuidString)"
            ).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.run(
                "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(ReliabilityMonth.long ? 512 : 128)m", "tmpfs", path])
            mountPoint = path
        }
        defer {
            if let mountPoint {
                try? Self.run("/usr/bin/umount", [mountPoint])
                try? FileManager.default.removeItem(atPath: mountPoint)
            }
        }
        let harness = try DaemonHarness(stateDirectory: mountPoint.map { $0 + "/state" })
        let stateDir = harness.stateDir
        let filler = (mountPoint ?? "") + "/filler"
        var broken = false
        func breakState() throws {
            switch fault {
            case .immutableDirectory: try Self.run("/usr/bin/chattr", ["+i", stateDir])
            case .fullDisk: Self.fill(filler)
            }
            broken = true
            outcome.faults += 1
        }
        func repairState() throws {
            switch fault {
            case .immutableDirectory: try Self.run("/usr/bin/chattr", ["-i", stateDir])
            case .fullDisk: try FileManager.default.removeItem(atPath: filler)
            }
            broken = false
        }
        defer { if broken { try? repairState() } }

        // 1. A third, durably checkpointed and committed.
        try harness.produce(Array(month.messages[..<third]))
        try harness.start(environment: Self.environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(third), "first third not consumed:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        #expect(try harness.committedOffsetSum() == Int64(third))
        let durable = Self.checkpointFiles(stateDir)
        #expect(!durable.isEmpty)

        // 2. The directory breaks; the daemon consumes the second third in memory, reports the
        //    failing checkpoints, commits nothing, and is killed.
        try breakState()
        try harness.produce(Array(month.messages[third..<(2 * third)]))
        try harness.start(environment: Self.environment)
        outcome.runs += 1
        let reported = harness.wait(seconds: 60) {
            guard harness.progress >= Double(2 * third), (harness.metric("aura_checkpoint_failures_total") ?? 0) >= 1,
                let (status, body) = try? harness.http("/readyz")
            else { return false }
            return status == 503 && body.contains("checkpoints failing")
        }
        #expect(reported, "checkpoint failures not reported:\n\(harness.log)")
        #expect(try harness.committedOffsetSum() == Int64(third), "offsets were committed without a checkpoint")
        #expect(Self.checkpointFiles(stateDir) == durable, "the durable checkpoints changed")
        #expect(harness.stop(signal: SIGKILL) == SIGKILL)
        outcome.faults += 1

        // 3. Restarted while still broken: it resumes from the old checkpoints (no reset), fails
        //    again; then the directory is repaired under it and it checkpoints and commits.
        try harness.start(environment: Self.environment)
        outcome.runs += 1
        #expect(
            harness.wait(seconds: 60) {
                (harness.metric("aura_checkpoint_failures_total") ?? 0) >= 1 && harness.progress >= Double(2 * third)
            },
            "no checkpoint failure after the restart:\n\(harness.log)")
        try repairState()
        let recovered = harness.wait(seconds: 60) {
            (try? harness.http("/readyz").0) == 200 && (try? harness.committedOffsetSum()) == Int64(2 * third)
        }
        #expect(recovered, "no recovery once the directory is writable:\n\(harness.log)")

        // 4. The rest; exact totals.
        try harness.produce(Array(month.messages[(2 * third)...]))
        #expect(harness.waitCaughtUp(count), "not caught up:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0)
        #expect(try harness.committedOffsetSum() == Int64(count))
        let merged = try harness.mergedCheckpoints(zones: month.zones)
        let problems = month.mismatches(merged)
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.record()
    }
}
