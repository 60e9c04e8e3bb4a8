import ArgumentParser
import Foundation
import StreamDaemon

/// `aura-billing replay`: Run Avro container files through the decode → aggregate → checkpoint pipeline.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run Avro container files through the decode → aggregate → checkpoint pipeline.",
        discussion: """
            Prints the aggregates (docs/spec.md §10) on stdout, progress on stderr. With --state the run \
            checkpoints and resumes: a second run after a crash continues where the last \
            checkpoint left off and prints what an uninterrupted run prints. OB time zones come \
            from --dimensions (D_Gbl_Country.avro), else --time-zones (a JSON object OB → IANA \
            zone), else the built-in table of the test-data generator's 12 OBs.

            Invoices (--invoices DIR --catalog PATH): after the replay, every (OB, month) it saw \
            is closed and its workbook and manifest.json are written under \
            DIR/<OB>/<YYYY-MM>/, priced with the catalog (a YAML file or a directory of them), \
            labelled with the names of the --dimensions tables. OB time zones then follow the \
            daemon's rule: --time-zones (or the built-in table), overridden by D_Gbl_Country, \
            overridden by the catalog's time_zone. The manifest's inputs are the container files \
            (absolute path and SHA-256). "Closed at" is deterministic, so rerunning the same \
            replay leaves the files byte-identical (no -r2): with --state, the instant recorded \
            by the first close of that (OB, month) in STATE/closes/ is reused; otherwise \
            --closed-at if given; otherwise the instant of the latest event of that (OB, month) \
            in the replay (to the second). Different inputs (more files, another catalog) make a \
            new revision (-r2), never an overwrite. One line per invoice, \
            "invoice <OB> <YYYY-MM> <total> <currency> <workbook>", follows the aggregates on \
            stdout with --format table, and goes to stderr with --format json, so stdout stays \
            one JSON document.
            """
    )

    @Argument(help: "Avro container files (Aura_Audit or Aura_Gateway_Message).")
    var files: [String]

    @Option(help: "State directory: checkpoint there and resume from it.")
    var state: String?

    @Option(help: "Output format.")
    var format: ReplayJob.Format = .table

    @Option(
        help:
            "Close each (OB, month) once every file's watermark is this many hours past its end (files already read count as past; files not started hold it open); later events count as late. Default: never close."
    )
    var graceHours: Double?

    @Option(
        help:
            "Dimension directory: D_Gbl_Country.avro (OB → time zone); with --invoices also the country, component and app names."
    )
    var dimensions: String?

    @Option(help: "JSON file mapping OB codes to IANA time zones.")
    var timeZones: String?

    @Option(help: "Invoice directory: close every (OB, month) seen and write its invoice there (needs --catalog).")
    var invoices: String?

    @Option(help: "Tariff catalog (YAML file or directory of them) for --invoices.")
    var catalog: String?

    @Option(
        help:
            "With --invoices: the \"closed at\" instant (ISO 8601, e.g. 2026-11-01T00:00:00Z) of invoices not closed before in --state. Default: the latest event of each (OB, month)."
    )
    var closedAt: String?

    @Option(
        help:
            "With --state: checkpoint at the first container block end this many seconds after the last checkpoint, and after each file (a kill loses at most this much work)."
    )
    var checkpointInterval: Double = ReplayJob.defaultCheckpointIntervalSeconds

    /// Also checkpoint after this many records (at the next block end); tests use it.
    @Option(help: .hidden)
    var checkpointEvery: Int?

    /// A progress line on stderr every this many records (tests kill the process on them).
    @Option(help: .hidden)
    var progressEvery: Int = 500_000

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one container file") }
        if let graceHours, graceHours < 0 { throw ValidationError("--grace-hours must not be negative") }
        if let checkpointEvery, checkpointEvery <= 0 {
            throw ValidationError("--checkpoint-every must be positive")
        }
        guard checkpointInterval > 0 else { throw ValidationError("--checkpoint-interval must be positive") }
        guard progressEvery > 0 else { throw ValidationError("--progress-every must be positive") }
        if invoices != nil, catalog == nil { throw ValidationError("--invoices needs --catalog") }
        if invoices == nil, catalog != nil || closedAt != nil {
            throw ValidationError("--catalog and --closed-at only apply with --invoices")
        }
        if let closedAt, Self.parseInstant(closedAt) == nil {
            throw ValidationError("--closed-at must be an ISO 8601 instant such as 2026-11-01T00:00:00Z")
        }
    }

    /// An ISO 8601 instant with offset, with or without fractional seconds.
    static func parseInstant(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    func run() async throws {
        var job = ReplayJob(files: files)
        job.stateDirectory = state
        job.format = format
        job.graceHours = graceHours
        job.dimensionsDirectory = dimensions
        job.timeZonesFile = timeZones
        job.invoicesDirectory = invoices
        job.catalogPath = catalog
        job.closedAt = closedAt.flatMap(Self.parseInstant)
        job.checkpointEveryRecords = checkpointEvery
        job.checkpointIntervalSeconds = checkpointInterval
        job.progressEveryRecords = progressEvery
        let replay = job
        do {
            let output = try await Blocking.run {
                try replay.run { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        } catch let failure as ReplayFailure {
            FileHandle.standardOutput.write(Data(failure.output.utf8))
            throw failure.error
        }
    }
}

extension ReplayJob.Format: ExpressibleByArgument {}
