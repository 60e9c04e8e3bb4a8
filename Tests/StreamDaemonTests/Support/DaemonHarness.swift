import Aggregation
import Foundation
import Logging

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Runs the real `aura-billing run` executable against an embedded broker, as an operator would.
final class DaemonHarness: @unchecked Sendable {
    /// `@unchecked Sendable`: the mutable `process` is touched only by the test that owns the
    /// harness, one call at a time.
    let cluster: EmbeddedKafkaCluster
    let directory: URL
    let configPath: String
    /// The daemon's `state.dir` (inside `directory` unless the test chose another place).
    let stateDir: String
    let httpPort: Int
    let adminToken = "test-admin-token"
    var process: Process?
    /// A second instance in the same group, sharing the config and state directory, with its
    /// own HTTP port (`HTTP_ADDRESS`) and log (`daemon-peer.log`).
    var peer: Process?
    private(set) var peerHTTPPort = 0
    let logger = Logger(label: "test.daemon")

    static let auditTopic = "aura.audit"
    static let gatewayTopic = "aura.gateway"

    /// The repository root (for deploy/schemas and deploy/tariffs.yaml).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "aura-billing")
    }

    init(
        auditPartitions: Int = 8, gatewayPartitions: Int = 4, brokers: Int = 1, stateDirectory: String? = nil,
        tariffsPath: String? = nil, extraConfig: String = ""
    ) throws {
        cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger)
        try cluster.createTopic(Self.auditTopic, partitions: auditPartitions)
        try cluster.createTopic(Self.gatewayTopic, partitions: gatewayPartitions)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aura-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stateDir = stateDirectory ?? directory.appendingPathComponent("state").path
        httpPort = try Self.freePort()
        try adminToken.write(to: directory.appendingPathComponent("admin-token"), atomically: true, encoding: .utf8)
        let schemas = Self.root.appendingPathComponent("deploy/schemas").path
        let config = """
            kafka:
              brokers: "\(cluster.bootstrapServers)"
              group_id: "aura-test"
              topics: { audit: "\(Self.auditTopic)", gateway: "\(Self.gatewayTopic)" }
              properties:
                session.timeout.ms: "6000"
                fetch.wait.max.ms: "10"
                topic.metadata.refresh.interval.ms: "1000"
            schemas:
              files:
                1: "\(schemas)/Aura_Audit.avsc"
                2: "\(schemas)/Aura_Audit.v2.avsc"
                3: "\(schemas)/Aura_Gateway_Message.avsc"
            state: { dir: "\(stateDir)" }
            checkpoint: { interval_seconds: 1, interval_events: 3000 }
            periods: { grace_hours: 6, auto_close: false }
            tariffs: { path: "\(tariffsPath ?? Self.root.path + "/deploy/tariffs.yaml")" }
            invoices: { dir: "\(directory.path)/invoices" }
            quarantine: { file: "\(directory.path)/quarantine.jsonl" }
            http: { address: "127.0.0.1:\(httpPort)" }
            admin: { token_file: "\(directory.path)/admin-token" }
            log: { level: "info" }
            \(extraConfig)
            """
        configPath = directory.appendingPathComponent("config.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        for p in [process, peer].compactMap({ $0 }) where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A port nothing listens on now (bound then released; the soak's helper).
    static func freePort() throws -> Int {
        try SoakDaemon.freePort()
    }

    /// Produces messages (Kafka key = the event's id) with lz4 batches.
    func produce(_ messages: [DemoMessage]) throws {
        let producer = try KafkaProducer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "compression.codec": "lz4", "linger.ms": "5"],
            logger: logger
        )
        for message in messages {
            try producer.produce(
                topic: message.topic == .audit ? Self.auditTopic : Self.gatewayTopic,
                key: message.key, value: message.value
            )
        }
        try producer.flush(timeoutMs: 60_000)
    }

    /// Starts `aura-billing run`; `environment` adds to (or overrides) the inherited variables.
    func start(environment: [String: String] = [:]) throws {
        process = try launch(
            log: "daemon.log",
            environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// Starts a second `aura-billing run` on the same configuration and state directory, its
    /// HTTP server on a port of its own (the `HTTP_ADDRESS` environment override).
    func startPeer() throws {
        peerHTTPPort = try Self.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["HTTP_ADDRESS"] = "127.0.0.1:\(peerHTTPPort)"
        peer = try launch(log: "daemon-peer.log", environment: environment)
    }

    /// Stops the second instance with `signal` and waits for it; returns its exit status.
    @discardableResult
    func stopPeer(signal: Int32 = SIGTERM) -> Int32 {
        guard let peer else { return -1 }
        kill(peer.processIdentifier, signal)
        peer.waitUntilExit()
        self.peer = nil
        return peer.terminationStatus
    }

    private func launch(log name: String, environment: [String: String]? = nil) throws -> Process {
        try Self.launch(
            ["run", "--config", configPath], environment: environment, log: directory.appendingPathComponent(name))
    }

    /// Starts `aura-billing` with `arguments` (and `environment`, or this process's), appending
    /// its stdout and stderr to `log`.
    static func launch(_ arguments: [String], environment: [String: String]?, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Stops the daemon with `signal` and waits for it; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? ""
    }

    /// The second instance's log.
    var peerLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("daemon-peer.log"), encoding: .utf8)) ?? ""
    }

    /// One HTTP call with curl to the first instance (or to `port`): (status, body).
    func http(_ path: String, method: String = "GET", token: String? = nil, port: Int? = nil) throws -> (Int, String) {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var args = ["-sS", "--max-time", "60", "-X", method, "-w", "\n%{http_code}"]
        if let token { args += ["-H", "Authorization: Bearer \(token)"] }
        curl.arguments = args + ["http://127.0.0.1:\(port ?? httpPort)\(path)"]
        let out = Pipe()
        curl.standardOutput = out
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = try out.fileHandleForReading.readToEnd() ?? Data()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let nl = text.lastIndex(of: "\n") else { return (-1, text) }
        return (Int(text[text.index(after: nl)...]) ?? -1, String(text[..<nl]))
    }

    /// The sum of a metric family's samples from `/metrics` (nil while the server is not up).
    func metric(_ family: String, port: Int? = nil) -> Double? {
        samples(family, port: port).map { $0.values.reduce(0, +) }
    }

    /// A metric family's samples from `/metrics`, by label set (`{topic="…",partition="…"}`,
    /// empty without labels); nil while the server is not up.
    func samples(_ family: String, port: Int? = nil) -> [String: Double]? {
        guard let (status, body) = try? http("/metrics", port: port), status == 200 else { return nil }
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where line.hasPrefix(family + "{") || line.hasPrefix(family + " ") {
            let name = line.split(separator: " ").dropLast().joined(separator: " ")
            samples[String(name.dropFirst(family.count))] = Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return samples
    }

    /// Waits (bounded) until `condition` holds, checking every 100 ms; false on timeout.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            if let process, !process.isRunning { return condition() }
            if let peer, !peer.isRunning { return condition() }
            usleep(100_000)
        }
        return condition()
    }

    /// Every partition's newest checkpoint, merged: the aggregates the daemon holds.
    func mergedCheckpoints(zones: OBTimeZones) throws -> PartitionState {
        var merged = PartitionState(zones: zones)
        let names = Set(
            try FileManager.default.contentsOfDirectory(atPath: stateDir).compactMap { file -> String? in
                guard file.hasSuffix(".ckpt") else { return nil }
                let stem = file.dropLast(5)
                return stem.lastIndex(of: ".").map { String(stem[..<$0]) }
            })
        for name in names.sorted() {
            let loaded = try CheckpointStore(directory: stateDir, name: name).load(zones: zones)
            try merged.merge(loaded.state)
        }
        return merged
    }
}
