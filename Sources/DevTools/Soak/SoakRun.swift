import Aggregation
import Foundation
import KafkaBridge
import Logging
import StreamDaemon

/// One soak (`aura-billing soak`): the real daemon process against the embedded cluster through
/// consecutive generated months, one measured line per month. Blocking throughout: run it on a
/// thread of its own (`Blocking.run`).
struct SoakRun {
    /// What `aura-billing soak` was asked for.
    struct Settings: Sendable {
        var months: Int
        /// Audit messages per month (gateway: a quarter of that).
        var events: Int
        var seed: UInt64
        /// Index (`year * 12 + month - 1`) of the first month.
        var firstMonth: Int
        var out: String
        /// The `aura-billing` executable to run the daemon with.
        var executable: String
        var horizonDays: Int
        var tolerance: Double
        /// How long the daemon idles after each month settled before its RSS is read (the lowest
        /// seen in that window); 0 reads it at once.
        var idleSeconds: Double = 0
    }

    let settings: Settings
    let logger: Logger

    /// Runs the soak; returns the lines, whether every month's totals were equal, and why the
    /// state was not flat (nil when it was).
    func run() throws -> (lines: [SoakMonthLine], equal: Bool, notFlat: String?) {
        let out = settings.out
        let bed = try SoakBed(
            out: out, auditPartitions: max(8, settings.events / 10_000), executable: settings.executable,
            lingerMs: 20, logger: logger
        ) { [settings] bootstrap, port in
            Self.configurationYAML(bootstrap: bootstrap, out: out, port: port, settings: settings)
        }
        defer { bed.stop() }
        let (daemon, producer) = (bed.daemon, bed.producer)
        print(SoakMonthLine.header)
        fflushStdout()
        var ledger = SoakLedger()
        var lines: [SoakMonthLine] = []
        var produced = 0
        var allEqual = true
        var previous: (month: String, expected: DemoExpectedTotals)?
        var written = daemon.writtenBytes
        var buckets = daemon.metrics()?.buckets("aura_checkpoint_duration_seconds") ?? []
        for k in 0..<settings.months {
            let month = Self.monthString(settings.firstMonth + k)
            var generator = try DemoMonthGenerator(
                seed: settings.seed &+ UInt64(k), month: month, auditEvents: settings.events,
                gatewayEvents: max(1, settings.events / 4))
            let count = try publish(&generator, producer)
            produced += count
            ledger.add(generator.expected)
            let invoices = previous.map { Self.invoices(of: $0.month, in: $0.expected, out: out) } ?? []
            let (metrics, disk) = try settle(month, daemon, produced: produced, invoices: invoices, zones: generator)
            let problems = ledger.mismatches(disk.merged, horizonMs: Int64(settings.horizonDays) * 86_400_000)
            for problem in problems.prefix(10) { DemoCommand.say("  \(month): \(problem)") }
            allEqual = allEqual && problems.isEmpty
            let nowWritten = daemon.writtenBytes
            let nowBuckets = metrics.buckets("aura_checkpoint_duration_seconds")
            let resident = idleResidentBytes(daemon)
            let heap = daemon.metrics()
            let line = SoakMonthLine(
                month: month, events: count, dedupKeys: Int(metrics.sum("aura_dedup_keys")),
                rows: Int(metrics.sum("aura_open_aggregate_rows")), stateBytes: disk.bytes,
                writtenPerEvent: Double(nowWritten - written) / Double(max(1, count)),
                residentBytes: resident,
                heapInUse: heap?.value("aura_process_heap_in_use_bytes").map { Int64($0) },
                heapFree: heap?.value("aura_process_heap_free_bytes").map { Int64($0) },
                checkpointP99: SoakMetrics.quantileBound(0.99, now: nowBuckets, earlier: buckets),
                equal: problems.isEmpty)
            print(line.text)
            fflushStdout()
            lines.append(line)
            written = nowWritten
            buckets = nowBuckets
            previous = (month, generator.expected)
        }
        let status = bed.stop()
        if status != 0 { throw DaemonError(.usage, "the daemon exited with status \(status); see \(out)/daemon.log") }
        return (lines, allEqual, SoakMonthLine.flatness(lines, tolerance: settings.tolerance))
    }

    /// Publishes the generator's whole month; returns the messages published.
    func publish(_ generator: inout DemoMonthGenerator, _ producer: KafkaProducer) throws -> Int {
        var count = 0
        while let message = generator.next() {
            try producer.produce(message)
            count += 1
        }
        try producer.flush(timeoutMs: 120_000)
        return count
    }

    /// Waits until the daemon has consumed and checkpointed all `produced` messages, the invoices
    /// `invoices` (manifest paths) are written, no expired keys are left in the checkpoints and
    /// `aura_dedup_keys` equals the keys in them; returns the scrape and the state then.
    func settle(
        _ month: String, _ daemon: SoakDaemon, produced: Int, invoices: [String], zones generator: DemoMonthGenerator
    ) throws -> (SoakMetrics, SoakStateOnDisk) {
        let zones = try OBTimeZones(generator.expected.timeZones)
        let horizonMs = Int64(settings.horizonDays) * 86_400_000
        var result: (SoakMetrics, SoakStateOnDisk)?
        try daemon.wait(for: "\(month) to be consumed, checkpointed and the month before closed", seconds: timeout) {
            guard let metrics = daemon.metrics(), Int(metrics.sum("aura_partition_next_offset")) == produced,
                invoices.allSatisfy({ FileManager.default.fileExists(atPath: $0) }),
                let disk = try? SoakStateOnDisk(directory: settings.out + "/state", zones: zones, horizonMs: horizonMs),
                disk.nextOffsets == Int64(produced), !disk.expiryPending,
                Double(disk.dedupKeys) == metrics.sum("aura_dedup_keys")
            else { return false }
            result = (metrics, disk)
            return true
        }
        guard let result else { throw DaemonError(.usage, "\(month) did not settle") }
        return result
    }

    /// The daemon's lowest VmRSS over `idleSeconds` of idling (read every 100 ms), or its VmRSS
    /// now when that is 0: the memory a settled month returns to, once the daemon has trimmed the
    /// heap its burst (fetches, the close, a base checkpoint) left free (`IdleTrim`).
    func idleResidentBytes(_ daemon: SoakDaemon) -> Int64 {
        var lowest = daemon.residentBytes
        let deadline = Date().addingTimeInterval(settings.idleSeconds)
        while Date() < deadline {
            usleep(100_000)
            let now = daemon.residentBytes
            if now > 0 { lowest = min(lowest, now) }
        }
        return lowest
    }

    /// Seconds a month may take to settle: generous, the machine may be shared.
    var timeout: Double { 120 + Double(settings.events) / 1_000 }

    /// The manifests the close of `month` writes: one per OB with on-time events in it.
    static func invoices(of month: String, in expected: DemoExpectedTotals, out: String) -> [String] {
        let obs = Set(
            expected.auditGroups.filter { $0.period == month }.map(\.ob)
                + expected.gatewayGroups.filter { $0.period == month }.map(\.ob))
        return obs.sorted().map { "\(out)/invoices/\($0)/\(month)/manifest.json" }
    }

    /// `YYYY-MM` of month index `index` (`year * 12 + month - 1`).
    static func monthString(_ index: Int) -> String {
        let m = index % 12 + 1
        return "\(index / 12)-\(m < 10 ? "0" : "")\(m)"
    }

    /// The daemon's configuration: auto-close on, checked every second, one hour of grace, the
    /// late horizon of the settings, checkpoints every second.
    static func configurationYAML(bootstrap: String, out: String, port: Int, settings: Settings) -> String {
        """
        # Written by `aura-billing soak`: the configuration the soak's daemon ran with.
        kafka:
          brokers: "\(bootstrap)"
          group_id: "aura-soak"
          topics: { audit: "aura.audit", gateway: "aura.gateway" }
          properties: { session.timeout.ms: "6000", fetch.wait.max.ms: "10" }
        schemas:
          files: { 1: "schemas/Aura_Audit.avsc", 3: "schemas/Aura_Gateway_Message.avsc" }
        state: { dir: "\(out)/state" }
        checkpoint: { interval_seconds: 1, interval_events: 500000 }
        periods: { grace_hours: 1, auto_close: true, auto_close_check_seconds: 1, late_horizon_days: \(settings.horizonDays) }
        tariffs: { path: "\(out)/tariffs.yaml" }
        invoices: { dir: "\(out)/invoices" }
        quarantine: { file: "\(out)/quarantine.jsonl" }
        http: { address: "127.0.0.1:\(port)" }
        admin: { token_file: "\(out)/admin-token" }
        log: { level: "warning" }
        """
    }
}
