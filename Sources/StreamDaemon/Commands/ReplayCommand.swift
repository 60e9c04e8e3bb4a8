import Aggregation
import ArgumentParser
import Foundation
import Logging

/// `aura-billing replay`: Run Avro container files through the decode → aggregate → checkpoint pipeline.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run Avro container files through the decode → aggregate → checkpoint pipeline.",
        discussion: """
            Prints the aggregates (spec §10) on stdout, progress on stderr. With --state the run \
            checkpoints and resumes: a second run after a crash continues where the last \
            checkpoint left off and prints what an uninterrupted run prints. OB time zones come \
            from --dimensions (D_Gbl_Country.avro), else --time-zones (a JSON object OB → IANA \
            zone), else the built-in table of the test-data generator's 12 OBs.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Argument(help: "Avro container files (Aura_Audit or Aura_Gateway_Message).")
    var files: [String]

    @Option(help: "State directory: checkpoint there and resume from it.")
    var state: String?

    @Option(help: "Output format.")
    var format: Format = .table

    @Option(help: "Close each (OB, month) once every file's watermark is this many hours past its end (files already read count as past; files not started hold it open); later events count as late. Default: never close.")
    var graceHours: Double?

    @Option(help: "Directory with the D_Gbl_Country.avro dimension (OB → time zone).")
    var dimensions: String?

    @Option(help: "JSON file mapping OB codes to IANA time zones.")
    var timeZones: String?

    @Option(help: .hidden)
    var checkpointEvery: Int = 100_000

    @Option(help: .hidden)
    var crashAfter: Int?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one container file") }
        if let graceHours, graceHours < 0 { throw ValidationError("--grace-hours must not be negative") }
        guard checkpointEvery > 0 else { throw ValidationError("--checkpoint-every must be positive") }
    }

    func run() async throws {
        let command = self
        let output = try await Blocking.run { try command.replay() }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// The whole replay, synchronously (runs on a blocking thread); returns the rendered report.
    func replay() throws -> String {
        let zones = try loadZones()
        var options = ReplayRunner.Options(
            graceMs: graceHours.map { Int64(($0 * 3_600_000).rounded()) }, stateDirectory: state)
        options.checkpointEveryRecords = checkpointEvery
        options.crashAfterRecords = crashAfter
        var logger = Logger(label: "aura-billing.replay")
        logger.logLevel = .notice
        let runner = ReplayRunner(zones: zones, options: options, logger: logger) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let result = ReplayReport(try runner.run(files: files))
        return format == .json ? result.json() : result.table()
    }

    func loadZones() throws -> OBTimeZones {
        if let dimensions {
            return try OBTimeZones.load(countryFile: dimensions + "/D_Gbl_Country.avro")
        }
        if let timeZones {
            let data = try Data(contentsOf: URL(fileURLWithPath: timeZones))
            guard let map = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
                throw DaemonError(.usage, "--time-zones must be a JSON object of OB code to IANA zone", source: timeZones)
            }
            return try OBTimeZones(map)
        }
        return try OBTimeZones(OBTimeZones.datagenZones)
    }
}
