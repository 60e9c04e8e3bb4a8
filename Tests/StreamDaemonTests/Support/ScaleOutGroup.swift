import Aggregation
import Foundation
import Logging

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Several `aura-billing run` instances in one consumer group in scale-out mode: each with its
/// own state directory (no shared disk), HTTP port and log, sharing only the embedded cluster.
/// Uses `DaemonHarness` for the cluster, configuration and message production; the scale-out
/// keys come through environment overrides.
final class ScaleOutGroup: @unchecked Sendable {
    /// `@unchecked Sendable`: `instances` is touched only by the test that owns the group.
    struct Instance {
        var process: Process
        var port: Int
        var stateDir: String
        var log: URL
    }

    static let changelogTopic = "aura.changelog"
    static let closeTopic = "aura.closes"
    /// The "closed at" instant every run pins, so files from different runs can be compared.
    static let pinnedClosedAt = "2026-11-02T08:00:00Z"

    let harness: DaemonHarness
    private(set) var instances: [String: Instance] = [:]

    init(harness: DaemonHarness, changelogPartitions: Int = 32) throws {
        self.harness = harness
        try harness.cluster.createTopic(Self.changelogTopic, partitions: changelogPartitions)
        try harness.cluster.createTopic(Self.closeTopic, partitions: 1)
    }

    deinit {
        for instance in instances.values where instance.process.isRunning {
            kill(instance.process.processIdentifier, SIGKILL)
            instance.process.waitUntilExit()
        }
    }

    /// The scale-out environment overrides.
    static var environment: [String: String] {
        ProcessInfo.processInfo.environment.merging([
            "STATE_CHANGELOG_TOPIC": changelogTopic,
            "STATE_CLOSE_TOPIC": closeTopic,
            "PERIODS_PINNED_CLOSED_AT": pinnedClosedAt,
        ]) { $1 }
    }

    /// Starts instance `name` with a state directory of its own.
    func start(_ name: String, environment extra: [String: String] = [:]) throws {
        let port = try DaemonHarness.freePort()
        let stateDir = harness.directory.appendingPathComponent("state-\(name)").path
        var environment = Self.environment.merging(extra) { $1 }
        environment["HTTP_ADDRESS"] = "127.0.0.1:\(port)"
        environment["STATE_DIR"] = stateDir
        let log = harness.directory.appendingPathComponent("daemon-\(name).log")
        let process = try DaemonHarness.launch(
            ["run", "--config", harness.configPath], environment: environment, log: log)
        instances[name] = Instance(process: process, port: port, stateDir: stateDir, log: log)
    }

    /// Whether instance `name` has exited on its own.
    func exited(_ name: String) -> Bool { instances[name].map { !$0.process.isRunning } ?? true }

    /// Sends `signal` to instance `name` and waits for it to exit; returns its status.
    @discardableResult
    func stop(_ name: String, signal: Int32) -> Int32 {
        guard let instance = instances.removeValue(forKey: name) else { return -1 }
        kill(instance.process.processIdentifier, signal)
        instance.process.waitUntilExit()
        return instance.process.terminationStatus
    }

    /// Runs `aura-billing close --config … --period …` (the scale-out closer) as its own
    /// process; returns it running, its output going to `close-<tag>.log`.
    func startCloser(period: String, tag: String) throws -> (Process, URL) {
        let log = harness.directory.appendingPathComponent("close-\(tag).log")
        return (
            try DaemonHarness.launch(
                ["close", "--config", harness.configPath, "--period", period], environment: Self.environment, log: log),
            log
        )
    }

    /// `POST /admin/close?period=…` to instance `name` (its in-process closer), in a curl
    /// process that fails on an HTTP error; the body goes to `close-<tag>.log`.
    func startAdminClose(_ name: String, period: String, tag: String) throws -> (Process, URL) {
        let log = harness.directory.appendingPathComponent("close-\(tag).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-sSf", "--max-time", "120", "-X", "POST", "-H", "Authorization: Bearer \(harness.adminToken)",
            "http://127.0.0.1:\(instances[name]?.port ?? 0)/admin/close?period=\(period)",
        ]
        let handle = try FileHandle(forWritingTo: log)
        curl.standardOutput = handle
        curl.standardError = handle
        try curl.run()
        return (curl, log)
    }

    /// The partitions instance `name` reports owning (labels of its next-offset gauges).
    func owned(_ name: String) -> [String: Double]? {
        guard let instance = instances[name] else { return nil }
        return harness.samples("aura_partition_next_offset", port: instance.port)
    }

    /// Whether the running instances own every one of `partitions` partitions exactly once and,
    /// together, have consumed `total` records.
    func covers(partitions: Int, consumed total: Int) -> Bool {
        var seen = Set<String>()
        var sum = 0.0
        for name in instances.keys {
            guard let owned = owned(name) else { return false }
            for (label, next) in owned {
                guard seen.insert(label).inserted else { return false }
                sum += next
            }
        }
        return seen.count == partitions && sum == Double(total)
    }

    func log(_ name: String) -> String {
        let url = harness.directory.appendingPathComponent("daemon-\(name).log")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    var logs: String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path)) ?? [])
            .filter { $0.hasPrefix("daemon-") || $0.hasPrefix("close-") }.sorted()
        return names.map { "== \($0)\n" + log(String($0.dropFirst(7).dropLast(4))) }.joined(separator: "\n")
    }

    /// Every record of the close topic, decoded.
    func closeRecords() throws -> [CloseRecord] {
        let logger = Logger(label: "test.closes")
        let reader = try KafkaPartitionReader(
            properties: ["bootstrap.servers": harness.cluster.bootstrapServers], logger: logger)
        let tp = PartitionKey(topic: Self.closeTopic, partition: 0)
        let (low, high) = try reader.watermarks(tp)
        var records: [CloseRecord] = []
        try reader.read(tp, from: low, until: high) { record in
            records.append(try JSONDecoder().decode(CloseRecord.self, from: Data(record.value)))
        }
        return records
    }

    /// Every source partition's newest state in the changelog, merged (what a closer sees).
    func changelogMerged(partitions: Int, zones: OBTimeZones) throws -> PartitionState {
        let logger = Logger(label: "test.changelog")
        let properties = ["bootstrap.servers": harness.cluster.bootstrapServers]
        let store = try ChangelogStore(
            topic: Self.changelogTopic, producer: KafkaProducer(properties: properties, logger: logger),
            reader: KafkaPartitionReader(properties: properties, logger: logger), logger: logger)
        let audit = try store.reader.partitionCount(DaemonHarness.auditTopic) ?? 0
        let keys =
            (0..<audit).map { PartitionKey(topic: DaemonHarness.auditTopic, partition: Int32($0)) }
            + (0..<(partitions - audit)).map { PartitionKey(topic: DaemonHarness.gatewayTopic, partition: Int32($0)) }
        let manifests = try store.manifests(for: keys)
        var merged = PartitionState(zones: zones)
        for key in keys {
            guard let list = manifests[key], let restored = try store.restore(key, manifests: list, zones: zones) else {
                throw DaemonError(.checkpoint, "no changelog state", source: "\(key)")
            }
            try merged.merge(restored.state)
        }
        return merged
    }

    /// Relative path → bytes of every file under `directory`.
    static func files(under directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [:] }
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = directory + "/" + path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = FileManager.default.contents(atPath: full)
            }
        }
        return files
    }
}
