import Foundation
import KafkaBridge
import Logging
import StreamDaemon

/// What a soak and `bench-writes` run the real daemon on: the demo's assets and an admin token in
/// `out`, a one-broker embedded cluster with the audit and gateway topics, the daemon process on a
/// configuration written for them, answering `/metrics`, and a producer for the demo's messages.
///
/// Used from one thread (the run's), like `SoakDaemon`. `stop()` stops the daemon before the
/// cluster goes: the broker serves until the daemon has stopped.
struct SoakBed {
    let cluster: EmbeddedKafkaCluster
    let daemon: SoakDaemon
    let producer: KafkaProducer
    let auditPartitions: Int
    let gatewayPartitions: Int

    /// Starts it all; `configuration(bootstrap, port)` is the daemon's YAML.
    init(
        out: String, auditPartitions: Int, executable: String, lingerMs: Int, logger: Logger,
        configuration: (_ bootstrap: String, _ port: Int) -> String
    ) throws {
        try DemoAssets.write(into: out)
        try UUID().uuidString.write(toFile: out + "/admin-token", atomically: true, encoding: .utf8)
        let gatewayPartitions = max(4, auditPartitions / 4)
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic("aura.audit", partitions: auditPartitions)
        try cluster.createTopic("aura.gateway", partitions: gatewayPartitions)
        let port = try SoakDaemon.freePort()
        try configuration(cluster.bootstrapServers, port)
            .write(toFile: out + "/config.yaml", atomically: true, encoding: .utf8)
        let daemon = try SoakDaemon(
            executable: executable, config: out + "/config.yaml", log: out + "/daemon.log", port: port)
        do {
            try daemon.wait(for: "the daemon's /metrics", seconds: 60) { daemon.metrics() != nil }
            producer = try KafkaProducer(
                properties: [
                    "bootstrap.servers": cluster.bootstrapServers, "compression.codec": "lz4",
                    "linger.ms": "\(lingerMs)", "batch.num.messages": "10000",
                ],
                logger: logger)
        } catch {
            _ = daemon.stop()
            throw error
        }
        self.cluster = cluster
        self.daemon = daemon
        self.auditPartitions = auditPartitions
        self.gatewayPartitions = gatewayPartitions
    }

    /// Stops the daemon (SIGTERM, waits), then lets the cluster go; the daemon's exit status.
    @discardableResult
    func stop() -> Int32 {
        let status = daemon.stop()
        withExtendedLifetime(cluster) {}
        return status
    }
}
