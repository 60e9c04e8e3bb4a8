import Aggregation
package import ArgumentParser
import Foundation
import KafkaBridge
import Logging
import ServiceLifecycle
import StreamDaemon

/// `aura-billing demo`: a whole synthetic month end to end on this machine.
package struct DemoCommand: AsyncParsableCommand {
    /// Argument parsing creates the command, then fills in its options.
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole synthetic month end to end on this machine and print the invoices.",
        discussion: """
            Starts the embedded Kafka-protocol cluster in-process, generates a realistic month \
            (12 OBs with skewed volume, dozens of apps and components, 1% duplicates, events \
            across local month boundaries, late events, a few corrupt messages), publishes it, \
            runs the real daemon pipeline on it, closes the period and writes invoices, manifests \
            and the quarantine file under --out. Nothing else is needed beyond the build.
            """
    )

    @Option(help: "Output directory (config, state, invoices, quarantine).")
    var out: String = "./aura-demo"

    @Option(help: "Audit events to generate (gateway messages: a quarter of that).")
    var events: Int = 200_000

    @Option(help: "Seed of the generator: the same seed gives the same month.")
    var seed: UInt64 = 1

    @Option(help: "The month to bill, YYYY-MM (default: last month).")
    var month: String?

    package func run() async throws {
        let month = self.month ?? Self.lastMonth()
        guard events > 0 else { throw ValidationError("--events must be positive") }
        let logger = {
            var logger = Logger(label: "aura-billing.demo")
            logger.logLevel = .warning
            return logger
        }()
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        let out = outURL.path
        if FileManager.default.fileExists(atPath: out + "/state") {
            throw ValidationError("\(out) holds a previous demo run; remove it or choose another --out")
        }
        try DemoAssets.write(into: out)
        try DemoDimensions.write(into: out + "/dimensions")

        // 1. The cluster: enough partitions to stay under the mock's 5 MiB per partition.
        let auditPartitions = min(256, max(8, events / 20_000))
        let gatewayPartitions = max(4, auditPartitions / 4)
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("aura.audit", partitions: auditPartitions)
        try cluster.createTopic("aura.gateway", partitions: gatewayPartitions)
        Self.say(
            "embedded Kafka cluster on \(cluster.bootstrapServers): aura.audit (\(auditPartitions) partitions), aura.gateway (\(gatewayPartitions))"
        )

        // 2. Generate and publish the month.
        let generator = try DemoMonthGenerator(
            seed: seed, month: month, auditEvents: events, gatewayEvents: max(1, events / 4))
        let bootstrap = cluster.bootstrapServers
        let (produced, expected) = try await Blocking.run { [generator] () throws -> (Int, DemoExpectedTotals) in
            var generator = generator
            let producer = try KafkaProducer(
                properties: [
                    "bootstrap.servers": bootstrap, "compression.codec": "lz4", "linger.ms": "20",
                    "batch.num.messages": "10000",
                ],
                logger: logger
            )
            let start = ContinuousClock.now
            var count = 0
            var lastReport = start
            while let message = generator.next() {
                try producer.produce(message)
                count += 1
                if count % 50_000 == 0, ContinuousClock.now - lastReport >= .seconds(1) {
                    lastReport = ContinuousClock.now
                    Self.say("  published \(count) messages (\(Self.rate(count, since: start)) msg/s)")
                }
            }
            try producer.flush(timeoutMs: 120_000)
            Self.say("published \(count) messages in \(Self.seconds(since: start)) s")
            return (count, generator.expected)
        }

        // 3. The daemon, in-process, on the same configuration an operator would write.
        let token = UUID().uuidString
        try token.write(toFile: out + "/admin-token", atomically: true, encoding: .utf8)
        let config = Self.configurationYAML(bootstrap: bootstrap, out: out)
        try config.write(toFile: out + "/config.yaml", atomically: true, encoding: .utf8)
        let settings = try await DaemonConfiguration.load(path: out + "/config.yaml", environment: [:])
        let daemon = try Daemon(configuration: settings, environment: [:])
        let group = try daemon.makeServiceGroup()
        let report: CloseReport = try await withThrowingTaskGroup(of: CloseReport?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            // Watch the pipeline consume everything, then close the month.
            let start = ContinuousClock.now
            var lastConsumed = -1.0
            while true {
                try await Task.sleep(for: .seconds(1))
                let snapshot = daemon.status.snapshot
                let consumed = Double(snapshot.consumedOffsets)
                let lag = snapshot.lagTotal
                if consumed != lastConsumed {
                    Self.say(
                        "  consumed \(Int(consumed)) of \(produced) (\(Self.rate(Int(consumed), since: start)) events/s), lag \(lag)"
                    )
                    lastConsumed = consumed
                }
                if Int(consumed) >= produced { break }
                if ContinuousClock.now - start > .seconds(600) {
                    throw DaemonError(.usage, "the pipeline did not consume everything within 10 minutes")
                }
            }
            Self.say("consumed \(produced) messages in \(Self.seconds(since: start)) s; closing \(month)")
            let report = try await daemon.control.close(.period(month, ob: nil, force: true))
            await group.triggerGracefulShutdown()
            for try await result in tasks { if let result { return result } }
            return report
        }
        withExtendedLifetime(cluster) {}  // the broker serves until the daemon has stopped
        Self.printSummary(report, expected: expected, month: month, out: out)
        if !report.errors.isEmpty { throw ExitCode.failure }
    }

    static func printSummary(_ report: CloseReport, expected: DemoExpectedTotals, month: String, out: String) {
        let expectedQueries = Dictionary(
            uniqueKeysWithValues: expected.queriesByOBPeriod.filter { $0.period == month }.map {
                ($0.ob, Int64($0.queries))
            })
        print("")
        print("Invoices for \(month):")
        print("OB    requests     queries           total  workbook")
        var matches = true
        for invoice in report.closed.sorted(by: { $0.ob < $1.ob }) {
            let ok = expectedQueries[invoice.ob] == invoice.totalQueries
            matches = matches && ok
            let total = "\(invoice.total) \(invoice.currency)"
            print(
                pad(invoice.ob, 4) + padLeft(String(invoice.totalRequests), 10)
                    + padLeft(String(invoice.totalQueries), 12)
                    + padLeft(total, 16) + "  " + relative(invoice.workbook, to: out))
        }
        for error in report.errors { print("error: \(error)") }
        for pair in report.notReady { print("not ready: \(pair)") }
        print("")
        print(
            "audit: \(expected.audit.messages) messages, \(expected.audit.duplicates) duplicates dropped, \(expected.audit.corrupt) quarantined; "
                + "gateway: \(expected.gateway.messages) messages, \(expected.gateway.duplicates) duplicates, \(expected.gateway.corrupt) quarantined"
        )
        print(
            "queries per OB equal the generator's independent count: \(matches && expectedQueries.count == report.closed.count ? "yes" : "NO")"
        )
        print(
            "quarantine: \(relative(out + "/quarantine.jsonl", to: out)); verify with: aura-billing verify \(out)/invoices"
        )
    }

    /// The configuration the demo's daemon runs with, as an operator would write it (the demo
    /// leaves it in `out`/config.yaml): the embedded cluster at `bootstrap`, everything else under `out`.
    static func configurationYAML(bootstrap: String, out: String) -> String {
        """
        # Written by `aura-billing demo`: the configuration the demo's daemon ran with.
        kafka:
          brokers: "\(bootstrap)"
          group_id: "aura-demo"
          topics: { audit: "aura.audit", gateway: "aura.gateway" }
          properties: { session.timeout.ms: "6000", fetch.wait.max.ms: "10" }
        schemas:
          files: { 1: "schemas/Aura_Audit.avsc", 3: "schemas/Aura_Gateway_Message.avsc" }
        state: { dir: "\(out)/state" }
        checkpoint: { interval_seconds: 5, interval_events: 500000 }
        periods: { grace_hours: 6, auto_close: false }
        tariffs: { path: "\(out)/tariffs.yaml" }
        dimensions: { dir: "\(out)/dimensions" }
        invoices: { dir: "\(out)/invoices" }
        quarantine: { file: "\(out)/quarantine.jsonl" }
        http: { address: "127.0.0.1:0" }
        admin: { token_file: "\(out)/admin-token" }
        log: { level: "warning" }
        """
    }

    static func lastMonth(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let previous = calendar.date(byAdding: .month, value: -1, to: now)!
        let parts = calendar.dateComponents([.year, .month], from: previous)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    package static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    package static func rate(_ count: Int, since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }

    package static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(
            format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    package static func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    package static func padLeft(_ s: String, _ n: Int) -> String {
        String(repeating: " ", count: max(0, n - s.count)) + s
    }
    package static func relative(_ path: String, to base: String) -> String {
        path.hasPrefix(base + "/")
            ? "." + String(path.dropFirst(base.count)).replacingOccurrences(of: "//", with: "/") : path
    }
}
