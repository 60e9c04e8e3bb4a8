import Foundation
import KafkaBridge
import Logging
import Prometheus

/// Where undecodable messages go: an append-only local file (JSON lines, `QuarantineRecord`)
/// and/or a dead-letter topic, each record with topic, partition, offset, reason and the raw
/// bytes. Nothing is skipped silently: the consumer counts every quarantined message in its
/// state and metrics.
///
/// Confined to the consumer thread. `drain()` hands the buffered records to the file and returns
/// the `QuarantineDurability` the checkpoint writer runs before each checkpoint, so a committed
/// offset never covers a quarantine record that could be lost. A crash between append and
/// checkpoint re-appends the same records on restart: readers dedupe by (topic, partition,
/// offset). The file is rotated and bounded by `QuarantineLimits` (QuarantineWriter+Rotation.swift).
final class QuarantineWriter {
    var file: QuarantineFile?
    let segments: QuarantineSegments?
    let limits: QuarantineLimits
    private let outbox: DeadLetterOutbox?
    private var pending: [UInt8] = []
    /// Bytes of records buffered in memory, not yet handed to the file by `drain()`.
    var pendingBytes: Int { pending.count }
    private var pendingDeadLetters: [OutgoingRecord] = []
    /// Size of the active segment, and of every segment (`aura_quarantine_bytes`).
    var fileSize = 0
    var totalBytes = 0
    let metrics: DaemonMetrics?
    let logger: Logger?
    let path: String?

    /// Opens (creating) `path` for appending and/or sets up the dead-letter `topic`.
    init(
        path: String?, topic: String?, producer: KafkaProducer?, limits: QuarantineLimits = .standard,
        metrics: DaemonMetrics? = nil, logger: Logger? = nil
    ) throws {
        self.path = path
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
        if let topic, let producer {
            outbox = DeadLetterOutbox(topic: topic, producer: producer, failures: metrics?.deadLetterFailures)
        } else {
            outbox = nil
        }
        guard let path else {
            segments = nil
            return
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DaemonError(
                .quarantine, "cannot create the quarantine file's directory: \(error.localizedDescription)",
                source: path)
        }
        segments = QuarantineSegments(path: path)
        let file = try QuarantineFile(path: path)
        self.file = file
        fileSize = try file.size()
        totalBytes = segments?.totalBytes() ?? fileSize
        metrics?.quarantineBytes.set(to: Double(totalBytes))
    }

    /// Records one bad message (buffered until `drain()`, for the file and the dead-letter topic).
    func quarantine(
        topic sourceTopic: String, partition: Int32, offset: Int64, reason: String, detail: String,
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer
    ) throws {
        if path != nil {
            pending.append(
                contentsOf: QuarantineRecord.line(
                    topic: sourceTopic, partition: partition, offset: offset, reason: reason, detail: detail,
                    atMs: Int64((Date().timeIntervalSince1970 * 1000).rounded()), key: key, value: value,
                    maxValueBytes: limits.maxValueBytes))
        }
        if let outbox {
            pendingDeadLetters.append(
                OutgoingRecord(
                    topic: outbox.topic, partition: OutgoingRecord.anyPartition, key: key.map { Array($0) } ?? [],
                    value: Array(value)))
        }
    }

    /// Writes the buffered records to the file (not yet durable) and returns what makes every
    /// record quarantined so far durable — run that before the checkpoint covering their offsets,
    /// from any thread.
    /// - Throws: `DaemonError(.quarantine)` when the file cannot be written (a full disk): no
    ///   partial line stays in the file and the records stay buffered for the next `drain()`.
    func drain() throws -> QuarantineDurability {
        outbox?.add(pendingDeadLetters)
        pendingDeadLetters.removeAll(keepingCapacity: true)
        if let path, !pending.isEmpty {
            if file == nil { try reopen(path) }
            if fileSize > 0, fileSize + pending.count > limits.maxFileBytes { try rotate() }
            if file == nil { try reopen(path) }
            try file?.append(pending)
            fileSize += pending.count
            totalBytes += pending.count
            metrics?.quarantineBytes.set(to: Double(totalBytes))
            pending.removeAll(keepingCapacity: true)
        }
        return QuarantineDurability(file: file, outbox: outbox)
    }

    /// Opens the active segment again (after a rotation renamed it away).
    private func reopen(_ path: String) throws {
        let opened = try QuarantineFile(path: path)
        fileSize = try opened.size()
        file = opened
    }
}
