import Aggregation
import Foundation
import Logging

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Observation and fault helpers the reliability scenarios share.
extension DaemonHarness {
    /// The daemon's environment in the reliability scenarios, plus `extra`.
    ///
    /// The embedded broker (librdkafka 2.0.2's mock cluster) ignores static membership
    /// (`group.instance.id`, KIP-345): a restarted process joins as a new member while the
    /// SIGKILLed one keeps its partitions until its session expires. So restarts are made fast
    /// with a short session instead: 3.5 s is about the shortest the mock tolerates (it holds a
    /// group's first join for 3 s and expires members whose session is shorter meanwhile, which
    /// leaves their JoinGroup unanswered). Checkpoints every 600 events, so kills land between,
    /// during and after them.
    static func reliabilityEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "KAFKA_PROPERTIES": "session.timeout.ms=3500,heartbeat.interval.ms=500",
            "CHECKPOINT_INTERVAL_EVENTS": "600",
        ]
        for (k, v) in extra { environment[k] = v }
        return environment
    }

    /// Sum of every partition's next offset (= messages consumed; offsets start at 0). Updated
    /// by the daemon every 2 s.
    var progress: Double { metric("aura_partition_next_offset") ?? -1 }

    /// Messages this daemon process has read (re-reads after a restart included); updated after
    /// every poll.
    var consumedThisRun: Double { metric("aura_events_consumed_total") ?? -1 }

    /// Waits until every one of `count` produced messages is consumed (next offsets sum to at
    /// least `count`, no lag) and `/readyz` says ready.
    func waitCaughtUp(_ count: Int, seconds: Double = 90) -> Bool {
        wait(seconds: seconds) {
            progress >= Double(count) && metric("aura_consumer_lag_messages") == 0 && (try? http("/readyz").0) == 200
        }
    }

    /// The process id of the running daemon.
    var pid: Int32? { process?.processIdentifier }

    /// Every file under the invoices directory: relative path → bytes.
    func invoiceFiles() -> [String: Data] {
        let root = directory.appendingPathComponent("invoices")
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return files }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = root.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = FileManager.default.contents(atPath: path)
            }
        }
        return files
    }

    /// `POST /admin/close` for `period` (force), returning the decoded report.
    func closePeriod(_ period: String) throws -> CloseReport {
        let (status, body) = try http("/admin/close?period=\(period)&force=true", method: "POST", token: adminToken)
        guard status == 200 else { throw DaemonError(.close, "close \(period) answered \(status): \(body)") }
        return try JSONDecoder().decode(CloseReport.self, from: Data(body.utf8))
    }

    /// Starts `POST /admin/close` in a curl process without waiting for it.
    func startClose(period: String) throws -> Process {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-sS", "--max-time", "120", "-X", "POST", "-H", "Authorization: Bearer \(adminToken)",
            "http://127.0.0.1:\(httpPort)/admin/close?period=\(period)&force=true",
        ]
        curl.standardOutput = FileHandle.nullDevice
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        return curl
    }

    /// Polls (every millisecond, bounded) until a file whose name ends with `suffix` exists
    /// anywhere under `directory`; returns its relative path.
    func waitForFile(under directory: String, suffix: String, seconds: Double = 60) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let walker = FileManager.default.enumerator(atPath: directory) {
                while let relative = walker.nextObject() as? String {
                    if relative.hasSuffix(suffix) { return relative }
                }
            }
            if let process, !process.isRunning { return nil }
            usleep(1000)
        }
        return nil
    }

    /// The checkpoint temporary files (`<name>.tmp`) in the state directory, with their
    /// modification times: what a later call compares against to see a new write.
    func checkpointTemporaries() -> [String: Date] {
        var found: [String: Date] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: stateDir)) ?? [] where name.hasSuffix(".tmp")
        {
            let attributes = try? FileManager.default.attributesOfItem(atPath: stateDir + "/" + name)
            if let date = attributes?[.modificationDate] as? Date { found[name] = date }
        }
        return found
    }

    /// Whether a checkpoint temporary file was created or rewritten since `before` (a
    /// `checkpointTemporaries()` result) and is still there, i.e. not yet renamed into place.
    func checkpointWriteInFlight(since before: [String: Date]) -> Bool {
        checkpointTemporaries().contains { before[$0.key] != $0.value }
    }

    /// Polls (every 200 µs, bounded) until a checkpoint write started after `before` is in
    /// flight; false on timeout or when the daemon exited.
    func waitForCheckpointWrite(since before: [String: Date], seconds: Double = 60) -> Bool {
        pollFast(seconds: seconds) { checkpointWriteInFlight(since: before) }
    }

    /// The temporary files (`<file>.tmp-<pid>`) the running daemon writes an invoice file
    /// through, for each of `files` (paths relative to the invoices directory), that exist now.
    func deliveryTemporaries(of files: [String]) -> [String] {
        guard let pid else { return [] }
        let root = directory.appendingPathComponent("invoices").path
        return files.map { "\(root)/\($0).tmp-\(pid)" }.filter { access($0, F_OK) == 0 }
    }

    /// Polls `condition` every 200 µs (bounded); false on timeout or when the daemon exited
    /// with the condition still false.
    func pollFast(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            if let process, !process.isRunning { return condition() }
            usleep(200)
        }
        return condition()
    }

    /// The differences between the merged checkpoints and the month's expected totals (a
    /// missing or unreadable checkpoint is one).
    func mismatches(_ month: ReliabilityMonth) -> [String] {
        do {
            return month.mismatches(try mergedCheckpoints(zones: month.zones))
        } catch {
            return ["cannot merge the checkpoints: \(error)"]
        }
    }

    /// Sum of the offsets the daemon's group committed, read by a separate client (which does
    /// not join the group). Default partition counts of the harness.
    func committedOffsetSum(auditPartitions: Int = 8, gatewayPartitions: Int = 4) throws -> Int64 {
        let reader = try KafkaConsumer(
            properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "aura-test"],
            logger: Logger(label: "test.committed")
        )
        let partitions =
            (0..<auditPartitions).map { PartitionKey(topic: Self.auditTopic, partition: Int32($0)) }
            + (0..<gatewayPartitions).map { PartitionKey(topic: Self.gatewayTopic, partition: Int32($0)) }
        return try reader.committed(partitions, timeoutMs: 10_000).values.reduce(0) { $0 + ($1 ?? 0) }
    }

    /// Counts of the merged checkpoints for the scenario table.
    func fill(_ outcome: inout ReliabilityOutcome, merged: PartitionState) {
        outcome.billed = merged.records - merged.duplicates
        outcome.duplicates = merged.duplicates
        outcome.quarantined = merged.quarantined
    }
}
