import Foundation

/// One scenario's line in `scripts/reliability.sh`'s table. Tests append it (tab-separated) to
/// the file named by `AURA_RELIABILITY_REPORT` when that variable is set.
struct ReliabilityOutcome {
    var scenario: String
    /// Daemon processes started.
    var runs = 0
    /// Faults injected (kills, broker outages, pushed request errors, damaged files...).
    var faults = 0
    /// Messages produced to the broker.
    var eventsIn = 0
    /// Unique events counted into the aggregates (decoded records minus duplicates).
    var billed: Int64 = 0
    var duplicates: Int64 = 0
    var quarantined: Int64 = 0
    /// Differences found: aggregate keys, counters, invoice files. Must be 0.
    var mismatches = 0
    /// Free text printed under the table (e.g. where the kills landed); no tabs or newlines.
    var detail = ""

    init(_ scenario: String) { self.scenario = scenario }

    /// Appends the line to `$AURA_RELIABILITY_REPORT` (no-op without it).
    func record() {
        guard let path = ProcessInfo.processInfo.environment["AURA_RELIABILITY_REPORT"], !path.isEmpty else { return }
        let line =
            [
                scenario, "\(runs)", "\(faults)", "\(eventsIn)", "\(billed)", "\(duplicates)", "\(quarantined)",
                "\(mismatches)", detail,
            ]
            .joined(separator: "\t") + "\n"
        guard
            let handle = FileHandle(forWritingAtPath: path)
                ?? {
                    FileManager.default.createFile(atPath: path, contents: nil)
                        ? FileHandle(forWritingAtPath: path) : nil
                }()
        else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(line.utf8))
    }
}
