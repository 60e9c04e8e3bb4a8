package import ArgumentParser
import Foundation
import Logging
import StreamDaemon

/// `aura-billing soak`: the real daemon through consecutive months in accelerated time.
package struct SoakCommand: AsyncParsableCommand {
    /// Argument parsing creates the command, then fills in its options.
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run the real daemon through consecutive generated months and print one line per month.",
        discussion: """
            Starts the embedded Kafka-protocol cluster in-process and the real daemon (`aura-billing \
            run`, a separate process) on a generated configuration with auto-close on, a one-hour \
            grace and the late horizon. For each month it publishes the generator's month (late \
            events of the month before, duplicates and corrupt frames included), waits until the \
            daemon has consumed and checkpointed it, closed the month before and dropped the keys \
            past the horizon, then prints: events published, dedup keys in state, bytes under the \
            state directory, bytes the daemon wrote per event since the previous line \
            (/proc/<pid>/io write_bytes), its RSS, the p99 bucket of the month's checkpoint \
            durations, and whether the state's totals per (OB, period) equal the generator's. \
            Months are in the future (from January of next year) so that readiness to close \
            depends only on the events' time, never on the wall clock. Exits non-zero when a month \
            is not equal, or when from the third month on the dedup keys, the state bytes or the RSS move \
            more than --tolerance from the third month's values.
            """
    )

    @Argument(help: "Months to run.")
    var months: Int = 12

    @Argument(help: "Audit events per month (gateway messages: a quarter of that).")
    var events: Int = 20_000

    @Option(help: "Output directory (config, state, invoices, quarantine, daemon.log); must not hold a state.")
    var out: String = "./aura-soak"

    @Option(help: "Seed of the generator (month k uses seed + k).")
    var seed: UInt64 = 1

    @Option(help: "First month, YYYY-MM (default: January of next year).")
    var start: String?

    @Option(help: "periods.late_horizon_days of the daemon.")
    var horizonDays: Int = 35

    @Option(help: "Largest relative change of dedup keys, state bytes and RSS that still counts as flat.")
    var tolerance: Double = 0.10

    @Option(help: "The aura-billing executable that runs the daemon (default: this one).")
    var daemon: String?

    @Option(
        help:
            "Seconds the daemon idles after a month settled; rss_mib is the lowest VmRSS seen then (the daemon trims its heap at its first quiet 2-s tick)."
    )
    var idleSeconds: Double = 5

    package func run() async throws {
        guard months > 0, events > 0 else { throw ValidationError("MONTHS and EVENTS_PER_MONTH must be positive") }
        guard horizonDays >= 0, tolerance >= 0, idleSeconds >= 0 else {
            throw ValidationError("--horizon-days, --tolerance and --idle-seconds ≥ 0")
        }
        let first = try Self.monthIndex(start ?? Self.nextJanuary())
        let out = URL(fileURLWithPath: out).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: out + "/state") {
            throw ValidationError("\(out) holds a previous soak; remove it or choose another --out")
        }
        let executable = try daemon ?? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let settings = SoakRun.Settings(
            months: months, events: events, seed: seed, firstMonth: first, out: out, executable: executable,
            horizonDays: horizonDays, tolerance: tolerance, idleSeconds: idleSeconds)
        var logger = Logger(label: "aura-billing.soak")
        logger.logLevel = .warning
        let soak = SoakRun(settings: settings, logger: logger)
        DemoCommand.say("soak: \(months) months of \(events) audit events from \(SoakRun.monthString(first)) in \(out)")
        let result = try await Blocking.run { try soak.run() }
        let equal = result.equal ? "yes" : "NO"
        let flat =
            result.lines.count < 4 ? "not judged (fewer than 4 months)" : result.notFlat.map { "NO: \($0)" } ?? "yes"
        print("invoices equal every month: \(equal); state flat from month 3 (±\(Int(tolerance * 100)) %): \(flat)")
        if !result.equal || result.notFlat != nil { throw ExitCode.failure }
    }

    /// `year * 12 + month - 1` of `YYYY-MM`.
    static func monthIndex(_ text: String) throws -> Int {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), (1...12).contains(month), (1991...2100).contains(year)
        else { throw ValidationError("--start must be YYYY-MM, got \"\(text)\"") }
        return year * 12 + month - 1
    }

    static func nextJanuary(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return "\(calendar.component(.year, from: now) + 1)-01"
    }
}
