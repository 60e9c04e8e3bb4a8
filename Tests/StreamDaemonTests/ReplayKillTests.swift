import Aggregation
import Avro
import Foundation
import Testing

/// Issue 5: the real `aura-billing replay` process, SIGKILLed at 24 seeded random points of a
/// replay over generated container files and resumed from its `--state` directory each time,
/// prints exactly what an uninterrupted run prints, and that equals the generator's truth.
@Suite("aura-billing replay killed with SIGKILL", .serialized)
struct ReplayKillTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let killPoints = 24
    /// The replay counts a container block at a time: progress lines and checkpoints come at
    /// block ends. Blocks of up to 400 records; a progress line at the first block end 50
    /// records or more into the run and after it at each block end; checkpoints at the first
    /// block end 1,700 records after the last one. The kills land anywhere, inside blocks too,
    /// at every distance from the last checkpoint.
    static let blockRecords = 400
    static let progressEvery = 50
    static let checkpointEvery = 1_700

    /// Writes `records` generated rows of `kind` (audit or gateway) to `directory/name`, with
    /// duplicates and late events; returns the path (its truth is `<path>.truth.json`).
    static func generate(_ kind: String, records: Int, seed: Int, in directory: String) throws -> String {
        let out = "\(directory)/\(kind).avro"
        let script = root.appendingPathComponent("scripts/datagen/aura_datagen.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, kind, "--records", "\(records)", "--seed", "\(seed)", "--late",
            "--codec", "deflate", "--block-records", "\(blockRecords)",
            "--schema-dir", root.appendingPathComponent("scripts/datagen/schemas").path, "--out", out,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: out])
        }
        return out
    }

    /// One replay process: stdout and stderr go to files, so the test can poll its progress
    /// while it runs and the pipes never fill.
    final class Run {
        let process = Process()
        let stdout: String
        let stderr: String

        init(_ arguments: [String], directory: String, name: String) throws {
            stdout = "\(directory)/\(name).out"
            stderr = "\(directory)/\(name).err"
            _ = FileManager.default.createFile(atPath: stdout, contents: nil)
            _ = FileManager.default.createFile(atPath: stderr, contents: nil)
            process.executableURL = ReplayCommandTests.executable
            process.arguments = ["replay"] + arguments
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
            try process.run()
        }

        private var consumed = 0
        private var partial = ""
        /// Record positions (over all files, in order) of the periodic progress lines so far.
        private(set) var positions: [Int] = []

        /// Reads the progress lines written since the last call; returns the latest position.
        @discardableResult
        func progress(fileSizes: [String: Int], order: [String]) -> Int? {
            guard let handle = FileHandle(forReadingAtPath: stderr) else { return positions.last }
            defer { try? handle.close() }
            try? handle.seek(toOffset: UInt64(consumed))
            let data = (try? handle.readToEnd()) ?? Data()
            consumed += data.count
            partial += String(decoding: data, as: UTF8.self)
            while let newline = partial.firstIndex(of: "\n") {
                let line = partial[..<newline]
                defer { partial = String(partial[partial.index(after: newline)...]) }
                guard line.hasSuffix(" records"), let colon = line.range(of: ": ", options: .backwards),
                    let index = Int(line[colon.upperBound...].dropLast(" records".count)),
                    let file = order.firstIndex(of: String(line[..<colon.lowerBound]))
                else { continue }
                positions.append(order[..<file].reduce(0) { $0 + fileSizes[$1]! } + index)
            }
            return positions.last
        }

        /// Polls (every 500 µs, bounded) until `condition` holds or the process exits.
        func poll(seconds: Double = 120, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                if !process.isRunning { return condition() }
                usleep(500)
            }
            return condition()
        }

        var output: String { (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "" }
    }

    /// Records the newest checkpoint in `state` covers (sum of next offsets), 0 without one.
    static func checkpointed(_ state: String, zones: OBTimeZones) throws -> Int {
        guard
            ((try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []).contains(where: {
                $0.hasSuffix(".ckpt")
            })
        else { return 0 }
        let loaded = try CheckpointStore(directory: state, name: "replay").load(zones: zones).state
        return loaded.partitions.reduce(0) { $0 + max(0, Int($1.nextOffset)) }
    }

    @Test(
        "SIGKILLed at 24 random points (some during checkpoint writes) and resumed: the same JSON as an uninterrupted run, equal to the generator's truth"
    )
    func killAndResume() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ReplayCommandTests.executable.path))
        let dir = NSTemporaryDirectory() + "aura-replay-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sizes = ["audit": 24_000, "gateway": 8_000]
        let audit = try Self.generate("audit", records: sizes["audit"]!, seed: 51, in: dir)
        let gateway = try Self.generate("gateway", records: sizes["gateway"]!, seed: 52, in: dir)
        let files = [audit, gateway]
        let fileSizes = [audit: sizes["audit"]!, gateway: sizes["gateway"]!]
        let total = sizes.values.reduce(0, +)
        let zones = try OBTimeZones(OBTimeZones.datagenZones)
        // Record positions (over both files) past each block.
        var blockEnds: [Int] = []
        for path in files {
            let base = blockEnds.last ?? 0
            var position = base
            try AvroContainerReader(path: path).forEachBlock { count, _, _ in
                position += count
                blockEnds.append(position)
            }
        }

        // The uninterrupted run.
        let reference = try Run(["--format", "json"] + files, directory: dir, name: "reference")
        reference.process.waitUntilExit()
        #expect(reference.process.terminationStatus == 0, "\(reference.errors)")
        let expected = reference.output

        // Kill points: 24 distinct seeded positions; every third kill waits, once past its
        // position, for the next checkpoint's temporary file and kills while it is written.
        var random = SplitMix64(seed: 5)
        var targets = Set<Int>()
        while targets.count < Self.killPoints { targets.insert(1 + Int(random.next() % UInt64(total - 1))) }
        let state = "\(dir)/state"
        let temporary = "\(state)/replay.tmp"
        let arguments =
            [
                "--format", "json", "--state", state, "--checkpoint-every", "\(Self.checkpointEvery)",
                "--progress-every", "\(Self.progressEvery)",
            ] + files
        var duringWrite = 0
        var resumedRuns = 0
        for (i, target) in targets.sorted().enumerated() {
            let resumeFrom = try Self.checkpointed(state, zones: zones)
            let atCheckpoint = i % 3 == 2
            if atCheckpoint {
                // A temporary file left by an earlier kill would trigger at once: remove it, so
                // the one seen below is this run's.
                try? FileManager.default.removeItem(atPath: temporary)
            }
            let run = try Run(arguments, directory: dir, name: "run-\(i)")
            let reached = run.poll { (run.progress(fileSizes: fileSizes, order: files) ?? -1) >= target }
            #expect(reached && run.process.isRunning, "run \(i) ended before record \(target):\n\(run.errors)")
            if atCheckpoint {
                #expect(
                    run.poll { FileManager.default.fileExists(atPath: temporary) },
                    "run \(i): no checkpoint written:\n\(run.errors)")
            }
            kill(run.process.processIdentifier, SIGKILL)
            run.process.waitUntilExit()
            #expect(run.process.terminationReason == .uncaughtSignal && run.process.terminationStatus == SIGKILL)
            #expect(run.output.isEmpty, "a killed run printed a result")
            if atCheckpoint && FileManager.default.fileExists(atPath: temporary) { duringWrite += 1 }
            // The run resumed from the checkpoint (a block end): its first progress line is at
            // the first block end one progress step past the records the checkpoint covered.
            if resumeFrom > 0 { resumedRuns += 1 }
            #expect(
                resumeFrom == 0 || blockEnds.contains(resumeFrom), "checkpoint at \(resumeFrom), not at a block end")
            run.progress(fileSizes: fileSizes, order: files)
            let expectedFirst = blockEnds.first { $0 - resumeFrom >= Self.progressEvery }
            if let first = run.positions.first {
                #expect(first == expectedFirst, "run \(i) did not resume from its checkpoint at \(resumeFrom)")
            }
        }
        print(
            "replay kill test: \(Self.killPoints) kills, \(resumedRuns) runs resumed from a checkpoint, \(duringWrite) of \(Self.killPoints / 3) aimed at a checkpoint write landed before its rename"
        )
        #expect(resumedRuns >= Self.killPoints - 2, "most runs start from a checkpoint")
        // Not every kill aimed at a checkpoint write lands before its rename, but some must.
        #expect(duringWrite > 0, "no kill landed during a checkpoint write")

        let last = try Run(arguments, directory: dir, name: "final")
        last.process.waitUntilExit()
        #expect(last.process.terminationStatus == 0, "\(last.errors)")
        #expect(last.output == expected, "the resumed replay differs from the uninterrupted one")

        // And both equal the generator's truth.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.output.utf8)) as? [String: Any])
        let auditTruth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: audit + ".truth.json")))
                as? [String: Any])
        let gatewayTruth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gateway + ".truth.json")))
                as? [String: Any])
        #expect(object["records"] as? Int == total)
        #expect(
            object["duplicates"] as? Int == (auditTruth["duplicates_dropped"] as? Int ?? -1)
                + (gatewayTruth["duplicates_dropped"] as? Int ?? -1))
        var expectedAudit: [String] = []
        for g in try #require(auditTruth["groups"] as? [[Any]]) {
            expectedAudit.append("\(g[0])|\(g[1])|\(g[2])|\(g[3] as? String ?? "null")|\(g[4])|\(g[5])")
        }
        var actualAudit: [String] = []
        for row in try #require(object["audit"] as? [[String: Any]]) {
            actualAudit.append(
                "\(row["ob"]!)|\(row["period"]!)|\(row["component"]!)|\(row["app"] as? String ?? "null")|\(row["service"]!)|\(row["queries"]!)"
            )
        }
        #expect(actualAudit.sorted() == expectedAudit.sorted())
        var expectedGateway: [String: [Int]] = [:]
        for g in try #require(gatewayTruth["groups"] as? [[Any]]) {
            let key = "\(g[0])|\(g[1])|\(g[2] as? String ?? "null")"
            let count = try #require(g[5] as? Int)
            expectedGateway[key, default: [0, 0]][0] += count
            if (g[4] as? Bool) == true { expectedGateway[key, default: [0, 0]][1] += count }
        }
        var actualGateway: [String: [Int]] = [:]
        for row in try #require(object["gateway"] as? [[String: Any]]) {
            actualGateway["\(row["ob"]!)|\(row["period"]!)|\(row["app"] as? String ?? "null")"] =
                [row["messages"] as? Int ?? -1, row["nlp_messages"] as? Int ?? -1]
        }
        #expect(actualGateway == expectedGateway)
    }
}
