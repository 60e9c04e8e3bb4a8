import Aggregation
package import ArgumentParser
import Foundation
import KafkaBridge
import Logging
import StreamDaemon

/// `aura-billing changelog-bench` (hidden; scripts/bench-changelog.sh): publishes one synthetic
/// partition state with N dedup keys to a changelog topic and times its restore by a fresh
/// reader (manifest scan, chunk reads, checksum, inflate, decode).
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
    }
}
