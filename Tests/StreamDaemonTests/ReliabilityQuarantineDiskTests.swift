import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Issue 18, scenario `disk-full-quarantine`: the quarantine file lives on a small tmpfs that is
/// full while bad messages arrive. The daemon does not die, good events are counted, `/readyz`
/// says the quarantine is not writable, and once space is freed every bad message is in the
/// quarantine file (exactly once by topic/partition/offset) and the totals are exact.
@Suite("Reliability: quarantine on a full disk", .serialized)
struct ReliabilityQuarantineDiskTests {
    /// `count` frames of `messages`' audit frames with a wrong magic byte, keyed `bad-<i>`.
    static func badFrames(from messages: [DemoMessage], count: Int) -> [DemoMessage] {
        messages.filter { $0.topic == .audit && !$0.isCorrupt }.prefix(count).enumerated().map { i, message in
            var bad = message
            bad.value[0] = 7
            bad.key = Array("bad-\(i)".utf8)
            return bad
        }
    }

    /// The quarantine file's records by (topic, partition, offset), and how many lines it has.
    static func records(_ path: String) throws -> (unique: [String: String], lines: Int) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var unique: [String: String] = [:]
        var lines = 0
        for line in text.split(separator: "\n") {
            lines += 1
            let record = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a record: \(line)")
            let key = "\(record["topic"] ?? "")/\(record["partition"] ?? "")@\(record["offset"] ?? "")"
            unique[key] = record["value_base64"] as? String ?? ""
        }
        return (unique, lines)
    }

    @Test(
        "a full quarantine disk does not kill the daemon: good events are counted, and after space is freed every bad message is quarantined exactly once",
        .enabled(if: geteuid() == 0, "mount -t tmpfs needs root"))
    func diskFullQuarantine() throws {
        let month = try ReliabilityMonth.make(seed: 71)
        let bad = Self.badFrames(from: month.messages, count: 300)
        let count = month.messages.count + bad.count
        let half = month.messages.count / 2
        var outcome = ReliabilityOutcome("disk-full-quarantine")
        outcome.eventsIn = count

        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "aura-rel-quarantine-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try ReliabilityUnwritableStateTests.run(
            "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint])
        defer {
            try? ReliabilityUnwritableStateTests.run("/usr/bin/umount", [mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let quarantinePath = mountPoint + "/quarantine.jsonl"
        let filler = mountPoint + "/filler"
        let harness = try DaemonHarness()
        let environment = DaemonHarness.reliabilityEnvironment(["QUARANTINE_FILE": quarantinePath])

        // 1. Half the month, the quarantine writable.
        try harness.produce(Array(month.messages[..<half]))
        try harness.start(environment: environment)
        outcome.runs += 1
        #expect(harness.waitCaughtUp(half), "first half not consumed:\n\(harness.log)")

        // 2. The disk fills up; bad frames arrive among the rest of the month.
        ReliabilityUnwritableStateTests.fill(filler)
        outcome.faults += 1
        var rest = Array(month.messages[half...])
        for (i, frame) in bad.enumerated() { rest.insert(frame, at: min(rest.count, i * 37)) }
        try harness.produce(rest)
        outcome.faults += bad.count
        let reported = harness.wait(seconds: 90) {
            guard harness.progress >= Double(count), let (status, body) = try? harness.http("/readyz") else {
                return false
            }
            return status == 503 && body.contains("quarantine file not writable")
        }
        #expect(reported, "good events not consumed or the fault not reported:\n\(harness.log)")
        #expect(harness.process?.isRunning == true, "the daemon died of a full quarantine disk:\n\(harness.log)")

        // 3. Space freed: the backlog is written, checkpoints and commits resume, ready again.
        try FileManager.default.removeItem(atPath: filler)
        #expect(harness.waitCaughtUp(count), "not ready after space was freed:\n\(harness.log)")
        #expect(harness.stop(signal: SIGTERM) == 0, "graceful stop failed:\n\(harness.log)")
        #expect(try harness.committedOffsetSum() == Int64(count))

        let merged = try harness.mergedCheckpoints(zones: month.zones)
        var problems = month.mismatches(merged, extraQuarantined: bad.count)
        let (records, lines) = try Self.records(quarantinePath)
        let values = Set(records.values)
        for frame in bad where !values.contains(Data(frame.value).base64EncodedString()) {
            problems.append("bad frame \(String(decoding: frame.key, as: UTF8.self)) not in the quarantine file")
        }
        let expectedRecords = bad.count + month.messages.filter(\.isCorrupt).count
        if records.count != expectedRecords {
            problems.append("\(records.count) distinct quarantine records, expected \(expectedRecords)")
        }
        #expect(problems.isEmpty, "\(problems.prefix(20))")
        harness.fill(&outcome, merged: merged)
        outcome.mismatches = problems.count
        outcome.detail = "\(lines) quarantine lines for \(records.count) distinct records"
        outcome.record()
    }
}
