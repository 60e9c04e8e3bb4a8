import Foundation
import Invoicing
import Prometheus
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// The quarantine on disk: rotation and its bound, the reader over every segment, dedup,
/// filters, all-or-nothing appends, requeued marks and truncated values.
@Suite("Quarantine store", .serialized)
final class QuarantineStoreTests {
    let directory: String

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("quarantine-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var path: String { directory + "/quarantine.jsonl" }

    /// Quarantines `count` messages of `size` value bytes at offsets from `first`, then drains.
    static func park(
        _ writer: QuarantineWriter, topic: String = "aura.audit", partition: Int32 = 0, first: Int64 = 0,
        count: Int, size: Int = 100, reason: String = "unknown-schema-id"
    ) throws {
        for offset in first..<(first + Int64(count)) {
            let value = [UInt8](repeating: UInt8(truncatingIfNeeded: offset), count: size)
            let key = Array("key-\(offset)".utf8)
            try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in
                    try writer.quarantine(
                        topic: topic, partition: partition, offset: offset, reason: reason, detail: "test", key: k,
                        value: v)
                }
            }
        }
        _ = try writer.drain()
    }

    /// The value of an unlabelled metric family in `metrics`' exposition.
    static func metric(_ name: String, _ metrics: DaemonMetrics) -> Double? {
        var exposition: [UInt8] = []
        metrics.registry.emit(into: &exposition)
        let line = String(decoding: exposition, as: UTF8.self).split(separator: "\n").first {
            $0.hasPrefix(name + " ")
        }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test("the file rotates to .1, .2 … before an append would pass max_file_bytes; the reader reads every segment")
    func rotatesAtTheBound() throws {
        let limits = QuarantineLimits(maxFileBytes: 4096, maxFiles: 100, maxValueBytes: 1 << 20)
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        let writer = try QuarantineWriter(path: path, topic: nil, producer: nil, limits: limits, metrics: metrics)
        for round in 0..<10 { try Self.park(writer, first: Int64(round * 10), count: 10) }
        let segments = QuarantineSegments(path: path)
        let rotated = segments.rotatedNumbers()
        #expect(rotated.count >= 2, "10 drains of ~3 KiB each into 4 KiB segments rotate")
        #expect(rotated == Array(1...rotated.count), "numbered from 1, oldest first")
        for file in segments.existing() { #expect(Self.size(file) <= 4096, "\(file) is over the bound") }
        let contents = QuarantineReader(path: path).read()
        #expect(contents.records.map(\.offset) == Array(0..<100), "every record once, in order")
        #expect(contents.problems.isEmpty && contents.duplicates == 0)
        #expect(contents.bytes == segments.totalBytes())
        #expect(Self.metric("aura_quarantine_bytes", metrics) == Double(segments.totalBytes()))
    }

    @Test("past max_files only fully requeued segments are deleted; one with a pending record never is")
    func boundDeletesOnlyRequeuedSegments() throws {
        let limits = QuarantineLimits(maxFileBytes: 4096, maxFiles: 2, maxValueBytes: 1 << 20)
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        let writer = try QuarantineWriter(path: path, topic: nil, producer: nil, limits: limits, metrics: metrics)
        for round in 0..<4 { try Self.park(writer, first: Int64(round * 25), count: 25) }
        let segments = QuarantineSegments(path: path)
        #expect(segments.rotatedNumbers() == [1, 2, 3], "nothing requeued: nothing deleted past the bound")
        #expect(Self.metric("aura_quarantine_over_bound_total", metrics) == 2, "rotations 2 and 3 were over")
        #expect(QuarantineReader(path: path).read().records.count == 100)

        // Every record of segments 1 and 2 requeued, but one of segment 3.
        let ids = { (n: Int) in QuarantineReader.ids(inSegment: segments.rotatedPath(n)).ids }
        let third = ids(3)
        try QuarantineRequeuedMarks.append(ids(1) + ids(2) + third.dropLast(), atMs: 1, path: segments.requeuedPath)
        try Self.park(writer, first: 100, count: 25)
        #expect(segments.rotatedNumbers() == [3, 4], "1 and 2 deleted, 3 kept for its pending record")
        let left = QuarantineReader(path: path).read()
        #expect(left.records.contains { $0.id == third.last && !$0.requeued })
        #expect(Self.metric("aura_quarantine_bytes", metrics) == Double(segments.totalBytes()))
        #expect(Self.metric("aura_quarantine_over_bound_total", metrics) == 3, "still over: 3 segments + active")
    }

    @Test("the reader dedupes across segments and skips, with file:line, lines that are not records")
    func readerSkipsMalformedLines() throws {
        let old =
            #"{"offset":7,"partition":1,"reason":"wrong-magic","topic":"aura.audit","value_base64":"AAE="}"# + "\n"
        let older =
            old + "not json\n" + #"{"partition":1,"reason":"x"}"# + "\n"
            + #"{"offset":8,"partition":1,"quarantined_at":1000,"reason":"truncated","topic":"aura.audit"}"# + "\n"
        try older.write(toFile: path + ".1", atomically: true, encoding: .utf8)
        try (old + #"{"offset":9,"partition":1,"rea"#).write(toFile: path, atomically: true, encoding: .utf8)
        let contents = QuarantineReader(path: path).read()
        #expect(contents.records.map(\.offset) == [7, 8])
        #expect(contents.duplicates == 1, "offset 7 appears in both segments")
        #expect(
            contents.problems == [
                "\(path).1:2: not a JSON object", "\(path).1:3: no topic", "\(path):2: incomplete line (no newline)",
            ])
        let first = try #require(contents.records.first)
        #expect(first.location == "\(path).1:1" && first.quarantinedAtMs == nil && first.keyBase64 == nil)
        #expect(contents.records.last?.valueBase64 == nil)
    }

    @Test("filters select by reason, topic, partition and time; records without a time fall outside a range")
    func filters() throws {
        func record(_ topic: String, _ partition: Int32, _ offset: Int64, _ reason: String, _ at: Int64?)
            -> QuarantineRecord
        {
            QuarantineRecord(
                topic: topic, partition: partition, offset: offset, reason: reason, detail: "", quarantinedAtMs: at,
                keyBase64: nil, valueBase64: "AA==")
        }
        let records = [
            record("a", 0, 1, "truncated", 1_000), record("a", 1, 2, "wrong-magic", 2_000),
            record("b", 0, 3, "truncated", 3_000), record("b", 0, 4, "truncated", nil),
        ]
        func select(_ filter: QuarantineFilter) -> [Int64] { records.filter(filter.matches).map(\.offset) }
        #expect(select(QuarantineFilter()) == [1, 2, 3, 4])
        #expect(select(QuarantineFilter(reasons: ["truncated"])) == [1, 3, 4])
        #expect(select(QuarantineFilter(reasons: ["truncated", "wrong-magic"], topic: "a")) == [1, 2])
        #expect(select(QuarantineFilter(topic: "b", partition: 0)) == [3, 4])
        #expect(select(QuarantineFilter(partition: 1)) == [2])
        #expect(select(QuarantineFilter(sinceMs: 2_000)) == [2, 3])
        #expect(select(QuarantineFilter(untilMs: 2_000)) == [1])
        #expect(select(QuarantineFilter(sinceMs: 1_500, untilMs: 2_500)) == [2])
    }

    @Test("summary counts by reason, topic and partition, pending and requeued")
    func summaryCounts() throws {
        let writer = try QuarantineWriter(path: path, topic: nil, producer: nil)
        try Self.park(writer, topic: "t1", partition: 0, first: 0, count: 3, reason: "truncated")
        try Self.park(writer, topic: "t2", partition: 2, first: 0, count: 2, reason: "wrong-magic")
        let marks = QuarantineSegments(path: path).requeuedPath
        try QuarantineRequeuedMarks.append(
            [QuarantineRecordID(topic: "t1", partition: 0, offset: 1)], atMs: 5, path: marks)
        let summary = QuarantineSummary(QuarantineReader(path: path).read(), filter: QuarantineFilter())
        #expect(summary.total.records == 5 && summary.total.requeued == 1 && summary.total.pending == 4)
        #expect(summary.byReason["truncated"]?.requeued == 1 && summary.byReason["wrong-magic"]?.records == 2)
        #expect(summary.byPartition["t2/2"]?.pending == 2 && summary.byTopic["t1"]?.records == 3)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(summary.json.utf8)) as? [String: Any])
        #expect((json["total"] as? [String: Any])?["pending"] as? Int == 4)
        #expect(summary.text.contains("reason truncated  records 3  pending 2  requeued 1"))
    }

    @Test("requeue skips records marked requeued unless --again")
    func requeuedMarks() throws {
        let writer = try QuarantineWriter(path: path, topic: nil, producer: nil)
        try Self.park(writer, first: 0, count: 4)
        try QuarantineRequeuedMarks.append(
            [0, 2].map { QuarantineRecordID(topic: "aura.audit", partition: 0, offset: $0) }, atMs: 9,
            path: QuarantineSegments(path: path).requeuedPath)
        let contents = QuarantineReader(path: path).read()
        #expect(contents.records.map(\.requeued) == [true, false, true, false])
        var requeue = QuarantineRequeue(path: path)
        let (plan, outcome) = requeue.plan(contents)
        #expect(plan.map(\.0.offset) == [1, 3] && outcome.alreadyRequeued == 2)
        let first = try #require(plan.first?.1)
        #expect(first.topic == "aura.audit" && first.partition == 0 && first.key == Array("key-1".utf8))
        #expect(first.value == [UInt8](repeating: 1, count: 100), "the original bytes go back")
        requeue.again = true
        #expect(requeue.plan(contents).0.map(\.0.offset) == [0, 1, 2, 3])
    }

    @Test("a value over max_value_bytes is stored truncated with its length and SHA-256; requeue refuses it")
    func truncatedValues() throws {
        let limits = QuarantineLimits(maxFileBytes: 1 << 20, maxFiles: 4, maxValueBytes: 1024)
        let writer = try QuarantineWriter(path: path, topic: nil, producer: nil, limits: limits)
        try Self.park(writer, first: 0, count: 1, size: 5000)
        try Self.park(writer, first: 1, count: 1, size: 1024)
        let records = QuarantineReader(path: path).read().records
        let big = try #require(records.first)
        #expect(big.valueTruncated && big.valueBytes == 5000)
        #expect(big.valueSHA256 == Digest.sha256Hex([UInt8](repeating: 0, count: 5000)))
        #expect(Data(base64Encoded: big.valueBase64 ?? "")?.count == 1024)
        #expect(records.last?.valueTruncated == false, "a value of exactly the cap is stored whole")
        let (plan, outcome) = QuarantineRequeue(path: path).plan(QuarantineReader(path: path).read())
        #expect(plan.map(\.0.offset) == [1])
        #expect(outcome.refused.count == 1 && outcome.refused[0].contains("value truncated"))
    }

    @Test(
        "an append that fails midway (a full tmpfs) leaves no partial line, keeps its records and succeeds once there is room",
        .enabled(if: getuid() == 0, "mounts a tmpfs")
    )
    func tornAppendIsTruncated() throws {
        let mountPoint = directory + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint])
        defer { try? Self.run("/bin/umount", [mountPoint]) }
        let file = mountPoint + "/quarantine.jsonl"
        let writer = try QuarantineWriter(path: file, topic: nil, producer: nil)
        try Self.park(writer, first: 0, count: 10)
        let before = Self.size(file)
        #expect(before > 0)
        // ~200 KiB of records: more than the filesystem holds.
        for offset in Int64(10)..<Int64(110) {
            let value = [UInt8](repeating: 7, count: 1500)
            try value.withUnsafeBytes { v in
                try writer.quarantine(
                    topic: "aura.audit", partition: 0, offset: offset, reason: "truncated", detail: "", key: nil,
                    value: v)
            }
        }
        #expect(throws: DaemonError.self) { _ = try writer.drain() }
        #expect(Self.size(file) == before, "truncated back to the size before the append")
        #expect(QuarantineReader(path: file).read().problems.isEmpty, "no partial line")
        try Self.run("/bin/mount", ["-o", "remount,size=1m", mountPoint])
        _ = try writer.drain()
        let contents = QuarantineReader(path: file).read()
        #expect(contents.records.map(\.offset) == Array(0..<110), "the kept records written once")
        #expect(contents.problems.isEmpty && contents.duplicates == 0)
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DaemonError(.usage, "\(tool) \(arguments) exited \(process.terminationStatus)")
        }
    }
}
