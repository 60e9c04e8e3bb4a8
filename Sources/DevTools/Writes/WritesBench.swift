import Aggregation
import Foundation
import KafkaBridge
import Logging
import StreamDaemon

/// Bytes the real daemon writes per absorbed event at steady state, with a large state (issue 17):
/// the embedded cluster and `aura-billing run` as its own process; KEYS events of one month
/// published in waves (the embedded broker keeps 5 MiB per partition), consumed and checkpointed;
/// then a trickle of new events at a steady rate. The daemon's `/proc/<pid>/io` `write_bytes`
/// over the trickle (from the checkpoint covering the load to the one covering the trickle),
/// divided by the trickle's events, is compared with the events' own Avro bytes.
struct WritesBench {
    struct Settings: Sendable {
        /// Audit events of the load (gateway messages: a quarter of that).
        var keys: Int
        var trickle: Int
        var rate: Double
        var checkpointSeconds: Int
        var out: String
        var executable: String
    }

    struct Result: Sendable {
        var dedupKeys: Int
        var loadSeconds: Double
        var trickleEvents: Int
        var trickleSeconds: Double
        var writtenBytes: Int64
        var avroBytes: Int
        var stateBytes: Int64
        var residentBytes: Int64
        var checkpointP99: Double?
    }

    let settings: Settings
    let logger: Logger

    func run() throws -> Result {
        let out = settings.out
        // ~15,000 messages of ~300 bytes per partition and wave keep each partition under 5 MiB.
        let partitions = max(8, min(64, settings.keys / 15_000))
        let bed = try SoakBed(
            out: out, auditPartitions: partitions, executable: settings.executable, lingerMs: 5, logger: logger,
            configuration: configurationYAML(bootstrap:port:))
        defer { bed.stop() }
        let (cluster, daemon, producer) = (bed.cluster, bed.daemon, bed.producer)
        // Reads the group's committed offsets (never subscribes: no rebalance): the daemon commits
        // only what a durable checkpoint holds.
        let offsets = try KafkaConsumer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "aura-bench-writes"], logger: logger
        )
        let keys =
            (0..<Int32(partitions)).map { PartitionKey(topic: "aura.audit", partition: $0) }
            + (0..<Int32(bed.gatewayPartitions)).map { PartitionKey(topic: "aura.gateway", partition: $0) }
        let committed = { () -> Int in
            ((try? offsets.committed(keys, timeoutMs: 5_000)) ?? [:]).values.reduce(0) { $0 + Int($1 ?? 0) }
        }
        let month = SoakCommand.nextJanuary()

        // Load: the generator's month in waves, each consumed before the next is published.
        let loadStart = Date()
        var load = try DemoMonthGenerator(
            seed: 1, month: month, auditEvents: settings.keys, gatewayEvents: max(1, settings.keys / 4))
        let wave = partitions * 12_000
        var produced = 0
        var more = true
        while more {
            var inWave = 0
            while inWave < wave, let message = load.next() {
                try producer.produce(message)
                inWave += 1
            }
            more = inWave == wave
            try producer.flush(timeoutMs: 120_000)
            produced += inWave
            try settleConsumed(daemon, produced: produced)
        }
        try daemon.wait(for: "the load to be checkpointed and committed", seconds: 600) { committed() >= produced }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let before = daemon.writtenBytes
        let bucketsBefore = daemon.metrics()?.buckets("aura_checkpoint_duration_seconds") ?? []

        // Trickle: new events of the same month, at `rate` per second.
        var trickle = try DemoMonthGenerator(
            seed: 2, month: month, auditEvents: settings.trickle, gatewayEvents: max(1, settings.trickle / 4))
        var avroBytes = 0
        var events = 0
        let trickleStart = Date()
        while let message = trickle.next() {
            try producer.produce(message)
            avroBytes += message.value.count
            events += 1
            // Pacing of a benchmark's producer (not a synchronisation): `rate` messages a second.
            let due = trickleStart.addingTimeInterval(Double(events) / settings.rate)
            let ahead = due.timeIntervalSinceNow
            if ahead > 0 { usleep(UInt32(ahead * 1_000_000)) }
        }
        try producer.flush(timeoutMs: 120_000)
        produced += events
        try daemon.wait(for: "the trickle to be checkpointed and committed", seconds: 600) { committed() >= produced }
        let trickleSeconds = Date().timeIntervalSince(trickleStart)
        guard let metrics = daemon.metrics() else { throw DaemonError(.usage, "the daemon stopped answering") }
        return Result(
            dedupKeys: Int(metrics.sum("aura_dedup_keys")), loadSeconds: loadSeconds, trickleEvents: events,
            trickleSeconds: trickleSeconds, writtenBytes: daemon.writtenBytes - before, avroBytes: avroBytes,
            stateBytes: Self.directoryBytes(out + "/state"), residentBytes: daemon.residentBytes,
            checkpointP99: SoakMetrics.quantileBound(
                0.99, now: metrics.buckets("aura_checkpoint_duration_seconds"), earlier: bucketsBefore))
    }

    /// Waits until the daemon has consumed `produced` messages.
    func settleConsumed(_ daemon: SoakDaemon, produced: Int) throws {
        try daemon.wait(for: "\(produced) messages to be consumed", seconds: 600) {
            guard let metrics = daemon.metrics() else { return false }
            return Int(metrics.sum("aura_partition_next_offset")) >= produced
        }
    }

    /// Bytes of the regular files under `path`.
    static func directoryBytes(_ path: String) -> Int64 {
        guard let items = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        for case let item as String in items {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + item)
            if attributes?[.type] as? FileAttributeType == .typeRegular {
                total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            }
        }
        return total
    }

    /// The daemon's configuration: no close, checkpoints every `checkpointSeconds` (the daemon's
    /// default interval), events-triggered checkpoints out of the way.
    func configurationYAML(bootstrap: String, port: Int) -> String {
        let out = settings.out
        return """
            # Written by `aura-billing bench-writes`.
            kafka:
              brokers: "\(bootstrap)"
              group_id: "aura-bench-writes"
              topics: { audit: "aura.audit", gateway: "aura.gateway" }
              properties: { session.timeout.ms: "6000", fetch.wait.max.ms: "10" }
            schemas:
              files: { 1: "schemas/Aura_Audit.avsc", 3: "schemas/Aura_Gateway_Message.avsc" }
            state: { dir: "\(out)/state" }
            checkpoint: { interval_seconds: \(settings.checkpointSeconds), interval_events: 100000000 }
            periods: { auto_close: false }
            tariffs: { path: "\(out)/tariffs.yaml" }
            invoices: { dir: "\(out)/invoices" }
            quarantine: { file: "\(out)/quarantine.jsonl" }
            http: { address: "127.0.0.1:\(port)" }
            admin: { token_file: "\(out)/admin-token" }
            log: { level: "warning" }
            """
    }
}
