import Avro
import Foundation
import Testing

@testable import Aggregation

/// Decodes the datagen container fixtures with the Avro module and replays them.
@Suite("Replay of container fixtures")
struct ReplayTests {
    static func fixture(_ name: String) -> String {
        TruthFixtureTests.avroFixtures.appendingPathComponent(name).path
    }

    static func truthZones() throws -> OBTimeZones {
        try TruthFixtureTests.zones(try TruthFixtureTests.truth("audit-2k.null.avro.truth.json"))
    }

    /// The truth file's groups keyed like `ReplayReport.AuditLine`s.
    static func auditTruth(_ name: String) throws -> [String: Int64] {
        var expected: [String: Int64] = [:]
        for g in try #require(try TruthFixtureTests.truth(name)["groups"] as? [[Any]]) {
            expected["\(g[0])|\(g[1])|\(g[2])|\(g[3] as? String ?? "∅")|\(g[4])"] = Int64(g[5] as! Int)
        }
        return expected
    }

    static func keyed(_ report: ReplayReport) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in report.audit { out["\(r.ob)|\(r.period)|\(r.component)|\(r.app ?? "∅")|\(r.service)"] = r.queries }
        return out
    }

    @Test(
        "every audit fixture (null, deflate, v2 writer with small blocks) gives the truth's groups",
        arguments: [
            "audit-2k.null.avro", "audit-2k.deflate.avro", "audit-2k.v2.deflate.avro",
        ])
    func auditFixtures(_ name: String) throws {
        let runner = ReplayRunner(zones: try Self.truthZones(), options: .init())
        let report = ReplayReport(try runner.run(files: [Self.fixture(name)]))
        let truth = try TruthFixtureTests.truth("\(name).truth.json")
        #expect(report.records == Int64(try #require(truth["total_records"] as? Int)))
        #expect(report.duplicates == Int64(try #require(truth["duplicates_dropped"] as? Int)))
        #expect(report.quarantined == 0)
        #expect(Self.keyed(report) == (try Self.auditTruth("\(name).truth.json")))
    }

    @Test("the Avro path and the generator's own decoder give identical states")
    func sameAsIndependentDecoder() throws {
        let viaAvro = try ReplayRunner(zones: try Self.truthZones(), options: .init())
            .run(files: [Self.fixture("audit-2k.null.avro")])
        let viaTSV = try TruthFixtureTests.auditState()
        var a = viaAvro.snapshot()
        let b = viaTSV.snapshot()
        a.partitions = b.partitions  // different source names
        #expect(a == b)
    }

    @Test("gateway fixture: messages and NLP messages per (OB, month, app)")
    func gatewayFixture() throws {
        let runner = ReplayRunner(zones: try Self.truthZones(), options: .init())
        let report = ReplayReport(try runner.run(files: [Self.fixture("gateway-2k.deflate.avro")]))
        let truth = try TruthFixtureTests.truth("gateway-2k.deflate.avro.truth.json")
        #expect(report.duplicates == Int64(try #require(truth["duplicates_dropped"] as? Int)))
        var expected: [String: [Int64]] = [:]
        for g in try #require(truth["groups"] as? [[Any]]) {
            let key = "\(g[0])|\(g[1])|\(g[2] as? String ?? "∅")"
            let count = Int64(g[5] as! Int)
            expected[key, default: [0, 0]][0] += count
            if (g[4] as? Bool) ?? false { expected[key, default: [0, 0]][1] += count }
        }
        var actual: [String: [Int64]] = [:]
        for r in report.gateway { actual["\(r.ob)|\(r.period)|\(r.app ?? "∅")"] = [r.messages, r.nlpMessages] }
        #expect(actual == expected)
    }

    /// The generator places its late rows after the first in-month row of their OB (so past a
    /// zero-grace close) and sorts the rest by time with at most 5 s of jitter (so never past a
    /// one-hour-grace close): grace 0 finds at least its late rows, grace 1 h at most them.
    @Test(
        "late events bracket the generator's late rows: at least them with grace 0, at most with 1 h",
        arguments: [
            "audit-2k.null.avro", "gateway-2k.deflate.avro",
        ])
    func lateMatchesTruth(_ name: String) throws {
        let truthLate = Int64(try #require(try TruthFixtureTests.truth("\(name).truth.json")["late_events"] as? Int))
        let strict = try ReplayRunner(zones: try Self.truthZones(), options: .init(graceMs: 0)).run(files: [
            Self.fixture(name)
        ])
        let lenient = try ReplayRunner(zones: try Self.truthZones(), options: .init(graceMs: 3_600_000))
            .run(files: [Self.fixture(name)])
        #expect(strict.late >= truthLate)
        #expect(lenient.late <= truthLate)
        #expect(lenient.late > 0)
        // The generator's late rows are all in the month before its month, billed on its month
        // (with grace 0, end-of-October rows overtaken by jitter are late too, billed in November).
        for row in lenient.allAuditUsage() where row.billedIn != nil {
            #expect(row.period == Period(year: 2026, month: 9) && row.billedIn == Period(year: 2026, month: 10))
        }
        for row in lenient.allGatewayUsage() where row.billedIn != nil {
            #expect(row.period == Period(year: 2026, month: 9) && row.billedIn == Period(year: 2026, month: 10))
        }
        for row in strict.allAuditUsage() where row.billedIn != nil {
            #expect(row.billedIn == row.period.next)
        }
    }

    @Test("D_Gbl_Country gives the zones the generator used")
    func countryZones() throws {
        let zones = try OBTimeZones.load(countryFile: Self.fixture("dims/D_Gbl_Country.avro"))
        let truth = try TruthFixtureTests.truth("audit-2k.null.avro.truth.json")
        let expected = try #require(truth["time_zones"] as? [String: String])
        for (ob, zone) in expected { #expect(zones.identifiers[ob] == zone) }
    }

    @Test("the JSON report parses and has the §10 shape, app null where absent")
    func jsonShape() throws {
        let runner = ReplayRunner(zones: try Self.truthZones(), options: .init(graceMs: 0))
        let report = ReplayReport(
            try runner.run(files: [Self.fixture("audit-2k.null.avro"), Self.fixture("gateway-2k.deflate.avro")]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 4000)
        #expect((object["late"] as? Int ?? 0) > 0)
        let audit = try #require(object["audit"] as? [[String: Any]])
        #expect(audit.count == report.audit.count)
        #expect(audit.contains { $0["app"] is NSNull })
        #expect(Set(audit[0].keys) == ["ob", "period", "component", "app", "service", "queries"])
        let gateway = try #require(object["gateway"] as? [[String: Any]])
        #expect(Set(gateway[0].keys) == ["ob", "period", "app", "messages", "nlp_messages"])
        // Rows are sorted by their keys.
        let keys = report.audit.map { [$0.ob, $0.period.description, $0.component, $0.app ?? "", $0.service] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    /// The record index past each block of each file, over all files in order (the second
    /// file's first block end is the first file's record count plus its block's count).
    static func blockEnds(_ paths: [String]) throws -> (blocks: [Int], files: Set<Int>) {
        var blocks: [Int] = []
        var files: Set<Int> = []
        var position = 0
        for path in paths {
            try AvroContainerReader(path: path).forEachBlock { count, _, _ in
                position += count
                blocks.append(position)
            }
            files.insert(position)
        }
        return (blocks, files)
    }

    /// Where the newest checkpoint is after a run that starts at record `start` (a block end)
    /// and stops abruptly once `crash` records of the run are counted: the runner checkpoints
    /// at the first block end `every` records or more after its last checkpoint and at the end
    /// of each file, and the crash comes before the checkpoint of the block it falls in
    /// (inside the block or at its end).
    static func checkpointed(start: Int, crash: Int, every: Int, blockEnds: [Int], fileEnds: Set<Int>) -> Int {
        var position = start
        var since = 0
        var saved = start
        for end in blockEnds where end > start {
            if end - start >= crash { break }
            since += end - position
            position = end
            if since >= every || fileEnds.contains(end) {
                saved = end
                since = 0
            }
        }
        return saved
    }

    /// Records the newest checkpoint in `directory` covers (sum of next offsets).
    static func covered(_ directory: String, zones: OBTimeZones) throws -> Int {
        let saved = try CheckpointStore(directory: directory, name: "replay").load(zones: zones).state
        return saved.partitions.reduce(0) { $0 + max(0, Int($1.nextOffset)) }
    }

    @Test("a replay killed at any of 20 points and resumed from its checkpoints prints the same result")
    func killAndResume() throws {
        let files = [Self.fixture("audit-2k.v2.deflate.avro"), Self.fixture("gateway-2k.deflate.avro")]
        let (blocks, fileEnds) = try Self.blockEnds(files)
        #expect(blocks.count > 10, "the fixtures have small blocks, so crashes fall inside and between them")
        let zones = try Self.truthZones()
        let reference = ReplayReport(try ReplayRunner(zones: zones, options: .init(graceMs: 0)).run(files: files))
        var rng = SplitMix64(seed: 20)
        for point in 0..<20 {
            let dir = NSTemporaryDirectory() + "aura-replay-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var options = ReplayRunner.Options(graceMs: 0, stateDirectory: dir)
            let every = Int.random(in: 50...400, using: &rng)
            options.checkpointEveryRecords = every
            // Crash once or twice, then finish.
            var done = 0  // records covered by the newest checkpoint
            var crashes: [Int] = []
            for _ in 0..<(point % 2 == 1 ? 2 : 1) {
                let crash = Int.random(in: 1...(4000 - done), using: &rng)
                crashes.append(crash)
                options.crashAfterRecords = crash
                do {
                    _ = try ReplayRunner(zones: zones, options: options).run(files: files)
                    Issue.record("run did not stop at \(crash)")
                } catch {
                    #expect(error.code == .simulatedCrash, "\(error)")
                }
                done = Self.checkpointed(start: done, crash: crash, every: every, blockEnds: blocks, fileEnds: fileEnds)
                if done > 0 { #expect(try Self.covered(dir, zones: zones) == done) }
            }
            options.crashAfterRecords = nil
            let (state, processed) = try ReplayRunner(zones: zones, options: options).runCounting(files: files)
            #expect(processed == 4000 - done, "resumed from the checkpoint, not from scratch")
            #expect(ReplayReport(state) == reference, "kill point \(point) (crashes \(crashes))")
        }
    }

    @Test(
        "crashes between two blocks, inside a block and one record into a block resume from the last checkpointed block end with the same totals",
        arguments: [0, 3_600_000] as [Int64])
    func crashAtBlockBoundaries(graceMs: Int64) throws {
        let files = [Self.fixture("audit-2k.v2.deflate.avro"), Self.fixture("gateway-2k.deflate.avro")]
        let (blocks, fileEnds) = try Self.blockEnds(files)
        let zones = try Self.truthZones()
        let reference = ReplayReport(
            try ReplayRunner(zones: zones, options: .init(graceMs: graceMs)).run(files: files))
        // Around the 3rd, the 7th and the middle block end of the first file, and around the
        // first file's end.
        let ends = [blocks[2], blocks[6], blocks[blocks.count / 4], blocks.first { fileEnds.contains($0) }!]
        for end in ends {
            for crash in [end - 1, end, end + 1] {
                let dir = NSTemporaryDirectory() + "aura-replay-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: dir) }
                var options = ReplayRunner.Options(graceMs: graceMs, stateDirectory: dir)
                options.checkpointEveryRecords = 1  // at every block end
                options.crashAfterRecords = crash
                #expect(throws: AggregationError.self) {
                    try ReplayRunner(zones: zones, options: options).run(files: files)
                }
                // The block the crash fell in (or ended) is not in the checkpoint; all before it are.
                let expected = blocks.last { $0 < crash } ?? 0
                #expect(try Self.covered(dir, zones: zones) == expected, "crash after \(crash) records")
                options.crashAfterRecords = nil
                let (state, processed) = try ReplayRunner(zones: zones, options: options).runCounting(files: files)
                #expect(processed == 4000 - expected)
                #expect(ReplayReport(state) == reference, "crash after \(crash) records")
                #expect(state.records + state.quarantined == 4000, "nothing counted twice")
            }
        }
    }

    @Test(
        "the block-batched replay prints what a record-by-record replay prints, with and without closes",
        arguments: [nil, 0, 3_600_000] as [Int64?])
    func sameAsRecordByRecord(graceMs: Int64?) throws {
        let zones = try Self.truthZones()
        for files in [
            [Self.fixture("audit-2k.null.avro")], [Self.fixture("audit-2k.deflate.avro")],
            [Self.fixture("audit-2k.v2.deflate.avro"), Self.fixture("gateway-2k.deflate.avro")],
        ] {
            let batched = ReplayReport(
                try ReplayRunner(zones: zones, options: .init(graceMs: graceMs)).run(files: files))
            let single = ReplayReport(try RecordByRecordReplay.run(files: files, zones: zones, graceMs: graceMs))
            #expect(batched == single, "\(files)")
            #expect(batched.json() == single.json())
            #expect(batched.table() == single.table())
        }
    }
}

@Suite("Replay of damaged containers")
struct DamagedReplayTests {
    /// A copy of the null-codec fixture with `patch` applied to the bytes of `needle` (a
    /// field value of record `line` of the TSV dump), written to a temporary file.
    static func damaged(line: Int, column: Int, _ patch: (inout [UInt8], Int) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ReplayTests.fixture("audit-2k.null.avro"))))
        let fields = try TruthFixtureTests.lines("audit-2k.events.tsv")[line]
        let needle = Array(fields[column].utf8)
        let at = try #require(
            bytes.indices.first { i in
                i + needle.count <= bytes.count && bytes[i..<(i + needle.count)].elementsEqual(needle)
            })
        patch(&bytes, at)
        let path = NSTemporaryDirectory() + "aura-damaged-\(UUID().uuidString).avro"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a malformed AURA_TM quarantines that record only")
    func badTimestamp() throws {
        let path = try Self.damaged(line: 1000, column: 1) { bytes, at in bytes[at + 10] = UInt8(ascii: "X") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try ReplayRunner(zones: try ReplayTests.truthZones(), options: .init()).run(files: [path])
        #expect(state.quarantined == 1)
        #expect(state.records == 1999)
        #expect(state.partitions[0].nextOffset == 2000)
    }

    @Test("invalid UTF-8 in a string quarantines the rest of its block and replay goes on")
    func badUTF8() throws {
        let path = try Self.damaged(line: 1000, column: 0) { bytes, at in bytes[at] = 0xFF }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try ReplayRunner(zones: try ReplayTests.truthZones(), options: .init()).run(files: [path])
        #expect(state.quarantined >= 1)
        #expect(state.records + state.quarantined == 2000)
        #expect(state.records > 1000)  // later blocks still count
        #expect(state.partitions[0].nextOffset == 2000)
    }

    @Test("a truncated container is an error naming the file")
    func truncated() throws {
        let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ReplayTests.fixture("audit-2k.null.avro"))))
        let path = NSTemporaryDirectory() + "aura-truncated-\(UUID().uuidString).avro"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(source.prefix(source.count / 2)).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ReplayRunner(zones: try ReplayTests.truthZones(), options: .init()).run(files: [path])
            Issue.record("a truncated file replayed without error")
        } catch {
            #expect("\(error)".contains(path))
        }
    }
}

@Suite("Kafka frames through the extractor")
struct FrameExtractionTests {
    /// Length-prefixed Confluent frames (4-byte big-endian length, then the frame).
    static func frames(_ name: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ReplayTests.fixture(name))))
        var out: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            try #require(i + 4 <= bytes.count)
            let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            try #require(i + 4 + n <= bytes.count)
            out.append(Array(bytes[(i + 4)..<(i + 4 + n)]))
            i += 4 + n
        }
        return out
    }

    static func registry(_ name: String) throws -> LocalSchemaFiles {
        let data = try Data(contentsOf: URL(fileURLWithPath: ReplayTests.fixture(name)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        var schemas: [Int32: AvroSchema] = [:]
        for (id, entry) in object {
            schemas[try #require(Int32(id))] = try AvroSchema.parse(
                json: try #require(entry["schema"] as? String), source: id)
        }
        return LocalSchemaFiles(schemas: schemas)
    }

    @Test("frames with v1 and v2 writers aggregate to the truth's groups; corrupt frames are rejected")
    func frames() throws {
        let extractor = try AuditEventExtractor()
        let decoder = extractor.frameDecoder(schemas: try Self.registry("audit-2k.frames.registry.json"))
        var values = AvroValues(count: decoder.fieldCount)
        var state = PartitionState(zones: try ReplayTests.truthZones())
        let src = state.source(PartitionKey(topic: "aura.audit", partition: 0))
        for frame in try Self.frames("audit-2k.frames") {
            try frame.withUnsafeBytes { buffer in
                try decoder.decode(buffer, into: &values)
                try state.ingest(try extractor.event(values), source: src)
            }
        }
        var actual: [String: Int64] = [:]
        for r in ReplayReport(state).audit {
            actual["\(r.ob)|\(r.period)|\(r.component)|\(r.app ?? "∅")|\(r.service)"] = r.queries
        }
        #expect(actual == (try ReplayTests.auditTruth("audit-2k.frames.truth.json")))
        #expect(state.duplicates == 20)

        var rejected = 0
        let bad = try Self.frames("audit-2k.frames.bad.frames")
        for frame in bad {
            frame.withUnsafeBytes { buffer in
                do {
                    try decoder.decode(buffer, into: &values)
                    _ = try extractor.event(values)
                } catch {
                    rejected += 1
                }
            }
        }
        #expect(rejected == bad.count)
    }
}
