import Aggregation
package import ArgumentParser
import Foundation
import KafkaBridge
import Logging
import StreamDaemon

/// `aura-billing changelog-bench` (hidden; scripts/bench-changelog.sh): publishes one synthetic
/// partition state with N dedup keys to a changelog topic and times its restore by a fresh
/// reader (manifest scan, chunk reads, checksum, inflate, decode); then compares the bytes
/// published per absorbed event with deltas (as the daemon publishes) and with whole states.
package struct ChangelogBenchCommand: ParsableCommand {
    /// Argument parsing creates the command, then fills in its options.
    package init() {}

    package static let configuration = CommandConfiguration(
        commandName: "changelog-bench",
        abstract: "Time a changelog publish and restore of a state with N dedup keys.",
        shouldDisplay: false
    )

    @Option(help: "Bootstrap servers.")
    var brokers: String

    @Option(help: "The changelog topic (must exist).")
    var topic: String = "aura.changelog"

    @Option(help: "Distinct dedup keys in the state.")
    var keys: Int = 1_000_000

    @Option(help: "Restores to time.")
    var runs: Int = 3

    @Option(help: "Checkpoints of the bytes-per-event comparison, deltas against whole states (0: skip it).")
    var checkpoints: Int = 100

    @Option(help: "New events absorbed before each checkpoint of the comparison.")
    var eventsPerCheckpoint: Int = 10_000

    package func run() throws {
        var logger = Logger(label: "aura-billing.bench")
        logger.logLevel = .warning
        let source = PartitionKey(topic: "aura.audit", partition: 0)
        let clock = ContinuousClock()
        var state: PartitionState?
        let build = clock.measure { state = try? SyntheticPartitionState.make(source, events: keys) }
        guard let state else { throw DaemonError(.usage, "cannot build the synthetic state") }
        let encoded = CheckpointCodec.encode(state)
        let properties = ["bootstrap.servers": brokers]
        let producer = try KafkaProducer(
            properties: properties.merging(["acks": "all", "linger.ms": "1", "compression.codec": "none"]) { $1 },
            logger: logger)
        let writer = try ChangelogStore(
            topic: topic, producer: producer, reader: KafkaPartitionReader(properties: properties, logger: logger),
            logger: logger)
        var manifest: ChangelogManifest?
        let publish = try clock.measure {
            manifest = try writer.publish(source, encoded: encoded, nextOffset: Int64(keys), watermarkMs: nil)
        }
        guard let manifest else { return }
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let mb = Double(encoded.count) / 1_000_000
        print(
            "state: \(keys) dedup keys, checkpoint \(encoded.count) bytes, compressed \(manifest.compressedLength) bytes in \(manifest.chunks.count) chunks (built in \(String(format: "%.2f", seconds(build))) s)"
        )
        print(
            "publish: \(String(format: "%.3f", seconds(publish))) s (\(String(format: "%.1f", mb / seconds(publish))) MB/s of checkpoint bytes, compress + produce + acks)"
        )
        let zones = try SyntheticPartitionState.zones()
        for run in 1...max(1, runs) {
            // A fresh store and reader each time: nothing cached, as on a takeover.
            let reader = try ChangelogStore(
                topic: topic, producer: producer, reader: KafkaPartitionReader(properties: properties, logger: logger),
                logger: logger)
            var restored: ChangelogStore.Restored?
            let elapsed = try clock.measure {
                let list = try reader.manifests(for: [source])[source] ?? []
                restored = try reader.restore(source, manifests: list, zones: zones)
            }
            guard let restored, restored.encoded == encoded, restored.state.dedup.count == keys else {
                throw DaemonError(.checkpoint, "restore \(run) did not give back the published state")
            }
            print(
                "restore \(run): \(String(format: "%.3f", seconds(elapsed))) s (\(String(format: "%.1f", mb / seconds(elapsed))) MB/s of checkpoint bytes, \(String(format: "%.1f", Double(manifest.compressedLength) / 1_000_000 / seconds(elapsed))) MB/s from Kafka), identical"
            )
        }
        if checkpoints > 0 {
            try compare(state, producer: producer, properties: properties, logger: logger)
        }
    }

    /// Bytes published to the changelog per absorbed event, as the daemon publishes (each
    /// checkpoint of an incremental store: a base, or a delta record of its chain) against whole
    /// states (every checkpoint a full publish), from the same state and the same new events.
    private func compare(
        _ initial: PartitionState, producer: KafkaProducer, properties: [String: String], logger: Logger
    ) throws {
        let source = PartitionKey(topic: "aura.audit", partition: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        /// Chunk bytes (compressed value) plus the manifest record's value.
        func published(_ m: ChangelogManifest) throws -> Int { m.compressedLength + (try encoder.encode(m).count) }
        func store(_ incremental: Bool) -> CheckpointStore {
            CheckpointStore(
                directory: NSTemporaryDirectory() + "aura-changelog-bench-\(UUID().uuidString)", name: "aura.audit-0",
                logger: logger, incremental: incremental, maxDeltas: ChangelogStore.maxDeltasPerBase)
        }
        struct Totals {
            var bytes = 0
            var events = 0
            var bases = 0
            var deltas = 0
            /// Published bytes of the deltas alone, and their uncompressed record bytes.
            var deltaBytes = 0
            var deltaRecordBytes = 0
            /// The newest base's published bytes and checkpoint bytes.
            var baseBytes = 0
            var baseLength = 0
        }
        func run(incremental: Bool, checkpoints: Int) throws -> Totals {
            let changelog = try ChangelogStore(
                topic: topic, producer: producer,
                reader: KafkaPartitionReader(properties: properties, logger: logger), logger: logger)
            let local = store(incremental)
            defer { try? FileManager.default.removeItem(atPath: local.directory) }
            var state = initial
            var next = keys
            // The initial base (both modes publish it once) is not counted: steady state only.
            let first = local.encode(&state)
            try local.save(first)
            let m0 = try changelog.publish(source, checkpoint: first, nextOffset: Int64(next), watermarkMs: nil)
            var total = Totals(baseBytes: try published(m0), baseLength: first.bytes.count)
            for _ in 0..<checkpoints {
                try SyntheticPartitionState.add(to: &state, source, events: next..<next + eventsPerCheckpoint)
                next += eventsPerCheckpoint
                let encoded = local.encode(&state)
                try local.save(encoded)
                let m = try changelog.publish(source, checkpoint: encoded, nextOffset: Int64(next), watermarkMs: nil)
                total.bytes += try published(m)
                total.events += eventsPerCheckpoint
                if encoded.isDelta {
                    total.deltas += 1
                    total.deltaBytes += try published(m)
                    total.deltaRecordBytes += encoded.bytes.count
                } else {
                    total.bases += 1
                    total.baseBytes = try published(m)
                    total.baseLength = encoded.bytes.count
                }
            }
            return total
        }
        // Whole states cost the same per checkpoint whatever the run's length: a few suffice.
        let whole = try run(incremental: false, checkpoints: min(checkpoints, 3))
        let deltas = try run(incremental: true, checkpoints: checkpoints)
        let wholePerEvent = Double(whole.bytes) / Double(whole.events)
        let deltaPerEvent = Double(deltas.bytes) / Double(deltas.events)
        print(
            "whole states: \(whole.bases) checkpoints of \(eventsPerCheckpoint) new events: \(whole.bytes / max(1, whole.bases)) bytes published each, \(String(format: "%.1f", wholePerEvent)) bytes per absorbed event"
        )
        print(
            "deltas: \(checkpoints) checkpoints of \(eventsPerCheckpoint) new events (\(deltas.deltas) deltas, \(deltas.bases) new bases): \(deltas.bytes) bytes published, \(String(format: "%.1f", deltaPerEvent)) bytes per absorbed event, \(String(format: "%.1f", wholePerEvent / deltaPerEvent))× less"
        )
        // Steady state: the store writes a new base once the delta records add up to half the
        // base (or after `maxDeltasPerBase` of them), so each base's bytes are spread over the
        // events absorbed meanwhile.
        let recordPerEvent = Double(deltas.deltaRecordBytes) / Double(max(1, deltas.deltas * eventsPerCheckpoint))
        let eventsPerBase = min(
            Double(deltas.baseLength) * Double(CheckpointStore.defaultDeltaLimitPercent) / 100
                / max(recordPerEvent, 1e-9),
            Double(ChangelogStore.maxDeltasPerBase) * Double(eventsPerCheckpoint))
        let deltaOnly = Double(deltas.deltaBytes) / Double(max(1, deltas.deltas * eventsPerCheckpoint))
        let amortized = deltaOnly + Double(deltas.baseBytes) / eventsPerBase
        print(
            "deltas alone: \(String(format: "%.1f", deltaOnly)) bytes published per absorbed event (\(String(format: "%.1f", recordPerEvent)) uncompressed); with a base of \(deltas.baseBytes) bytes every \(Int(eventsPerBase)) events (half the base in deltas): \(String(format: "%.1f", amortized)) bytes per event at steady state, \(String(format: "%.1f", wholePerEvent / amortized))× less than whole states"
        )
    }
}
