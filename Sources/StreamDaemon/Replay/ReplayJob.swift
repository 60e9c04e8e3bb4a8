import Aggregation
package import Foundation
import Logging

/// A replay of Avro container files (`aura-billing replay`): the files go through decode →
/// aggregate → checkpoint (`ReplayRunner`, resumable with a state directory); with an invoices
/// directory, every (OB, month) seen is then closed and its invoice written
/// (`ReplayInvoiceWriter`).
///
/// Synchronous and blocking (file reads, fsync, xlsx): call `run()` on a blocking thread.
package struct ReplayJob: Sendable {
    /// How the aggregates are printed: docs/spec.md §10's table or its JSON document.
    package enum Format: String, Sendable, CaseIterable {
        case table
        case json
    }

    /// Avro container files (Aura_Audit or Aura_Gateway_Message).
    package var files: [String]
    /// Checkpoint there and resume from it; nil replays from scratch and keeps nothing.
    package var stateDirectory: String?
    package var format: Format = .table
    /// Close each (OB, month) once every file's watermark is this far past its end; nil never closes.
    package var graceHours: Double?
    /// `D_Gbl_Country.avro` (OB time zones) and, with invoices, the names of the other dimensions.
    package var dimensionsDirectory: String?
    /// A JSON object mapping OB codes to IANA time zones.
    package var timeZonesFile: String?
    /// Where invoices are written; nil writes none.
    package var invoicesDirectory: String?
    /// The tariff catalog (file or directory) that prices the invoices.
    package var catalogPath: String?
    /// The "closed at" instant of invoices not closed before in the state directory.
    package var closedAt: Date?
    /// Checkpoint after this many records (at the next block end); nil: by time only.
    package var checkpointEveryRecords: Int?
    /// Checkpoint at the first block end this long after the last checkpoint (and after each
    /// file): a kill loses at most about this much work.
    package var checkpointIntervalSeconds = Self.defaultCheckpointIntervalSeconds
    /// 30 s (`ReplayRunner.defaultCheckpointIntervalSeconds`).
    package static let defaultCheckpointIntervalSeconds = ReplayRunner.defaultCheckpointIntervalSeconds
    /// A progress line every this many records.
    package var progressEveryRecords = 500_000

    package init(files: [String]) {
        self.files = files
    }

    /// Runs the replay; returns what goes to stdout. Progress lines, and with `.json` the invoice
    /// lines, go to `diagnostics` (stderr in the command).
    package func run(diagnostics: @escaping @Sendable (String) -> Void) throws -> String {
        guard let invoicesDirectory, let catalogPath else {
            return try aggregate(zones: try loadZones(), diagnostics: diagnostics).report
        }
        let snapshot = try InvoicingContext.load(tariffsPath: catalogPath, dimensionsDir: dimensionsDirectory)
        // Validated by InvoicingContext.load (it throws naming the catalog otherwise).
        guard let catalogs = snapshot.catalogs else {
            throw DaemonError(.configuration, "no tariff catalog", source: catalogPath)
        }
        let (state, report) = try aggregate(
            zones: try snapshot.timeZones(base: try baseZones()), diagnostics: diagnostics)
        let writer = ReplayInvoiceWriter(
            invoicesDirectory: invoicesDirectory, catalogs: catalogs, names: snapshot.dimensions.names,
            stateDirectory: stateDirectory, closedAtOverride: closedAt)
        let (lines, errors) = try writer.write(state: state, files: files)
        let text = lines.map { $0.text + "\n" }.joined()
        for error in errors { diagnostics("invoice failed: \(error)") }
        var output = report
        if format == .json {
            if !text.isEmpty { diagnostics(String(text.dropLast())) }
        } else {
            output += "\n" + text
        }
        if !errors.isEmpty {
            throw ReplayFailure(
                output: output,
                error: DaemonError(.close, "\(errors.count) invoice(s) failed", source: invoicesDirectory))
        }
        return output
    }

    /// Replays the files; returns the final state and the rendered aggregates.
    func aggregate(zones: OBTimeZones, diagnostics: @escaping @Sendable (String) -> Void) throws -> (
        state: PartitionState, report: String
    ) {
        var options = ReplayRunner.Options(
            graceMs: graceHours.map { Int64(($0 * 3_600_000).rounded()) }, stateDirectory: stateDirectory)
        options.checkpointEveryRecords = checkpointEveryRecords
        options.checkpointIntervalSeconds = checkpointIntervalSeconds
        options.progressEveryRecords = progressEveryRecords
        var logger = Logger(label: "aura-billing.replay")
        logger.logLevel = .notice
        let runner = ReplayRunner(zones: zones, options: options, logger: logger, progress: diagnostics)
        let state = try runner.run(files: files)
        let result = ReplayReport(state)
        return (state, format == .json ? result.json() : result.table())
    }

    /// With invoices, the zones the dimension and catalog zones override: the time-zones file,
    /// else the built-in table.
    func baseZones() throws -> [String: String] {
        guard let timeZonesFile else { return OBTimeZones.datagenZones }
        return try Self.zoneMap(file: timeZonesFile)
    }

    /// A JSON object of OB code → IANA zone.
    static func zoneMap(file: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let map = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw DaemonError(.usage, "--time-zones must be a JSON object of OB code to IANA zone", source: file)
        }
        return map
    }

    /// Without invoices: the country dimension, else the time-zones file, else the built-in table.
    func loadZones() throws -> OBTimeZones {
        if let dimensionsDirectory {
            return try OBTimeZones.load(countryFile: dimensionsDirectory + "/D_Gbl_Country.avro")
        }
        if let timeZonesFile {
            return try OBTimeZones(Self.zoneMap(file: timeZonesFile))
        }
        return try OBTimeZones(OBTimeZones.datagenZones)
    }
}

/// Some invoices of a replay failed: `output` is what the replay prints anyway.
package struct ReplayFailure: Error, CustomStringConvertible {
    package var output: String
    package var error: DaemonError
    package var description: String { error.description }
}
