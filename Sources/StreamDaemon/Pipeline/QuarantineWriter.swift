import Foundation

/// Where undecodable messages go: an append-only local file (JSON lines) and/or a dead-letter
/// topic, each record with topic, partition, offset, reason and the raw bytes. Nothing is skipped
/// silently: the consumer counts every quarantined message in its state and metrics.
///
/// Confined to the consumer thread. `sync()` makes the file durable; the consumer calls it before
/// each checkpoint, so a committed offset never covers a quarantine record that could be lost. A
/// crash between append and checkpoint re-appends the same records on restart: readers dedupe by
/// (topic, partition, offset).
final class QuarantineWriter {
    private let handle: FileHandle?
    private let producer: KafkaProducer?
    private let topic: String?
    private var pending = Data()
    let path: String?

    /// Opens (creating) `path` for appending and/or sets up the dead-letter `topic`.
    init(path: String?, topic: String?, producer: KafkaProducer?) throws(DaemonError) {
        self.path = path
        self.topic = topic
        self.producer = topic == nil ? nil : producer
        if let path {
            let url = URL(fileURLWithPath: path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                if !FileManager.default.fileExists(atPath: path) {
                    guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                        throw DaemonError(.quarantine, "cannot create the quarantine file", source: path)
                    }
                }
                let handle = try FileHandle(forWritingTo: url)
                try handle.seekToEnd()
                self.handle = handle
            } catch let error as DaemonError {
                throw error
            } catch {
                throw DaemonError(.quarantine, "cannot open the quarantine file: \(error.localizedDescription)", source: path)
            }
        } else {
            handle = nil
        }
    }

    deinit { try? handle?.close() }

    /// Records one bad message (buffered until `sync()`); also produces it to the dead-letter topic.
    func quarantine(topic sourceTopic: String, partition: Int32, offset: Int64, reason: String, detail: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) throws(DaemonError) {
        if handle != nil {
            pending.append(contentsOf: Self.jsonLine(topic: sourceTopic, partition: partition, offset: offset, reason: reason, detail: detail, value: value))
        }
        if let producer, let topic {
            try producer.produce(topic: topic, key: key, value: value)
        }
    }

    /// Writes buffered records and fsyncs the file; flushes the dead-letter producer.
    func sync() throws(DaemonError) {
        if let handle, !pending.isEmpty {
            do {
                try handle.write(contentsOf: pending)
                try handle.synchronize()
            } catch {
                throw DaemonError(.quarantine, "cannot write the quarantine file: \(error.localizedDescription)", source: path)
            }
            pending.removeAll(keepingCapacity: true)
        }
        try producer?.flush(timeoutMs: 30_000)
    }

    /// One record: `{"topic":..,"partition":..,"offset":..,"reason":..,"detail":..,"value_base64":..}`.
    static func jsonLine(topic: String, partition: Int32, offset: Int64, reason: String, detail: String, value: UnsafeRawBufferPointer) -> Data {
        let record: [String: Any] = [
            "topic": topic, "partition": Int(partition), "offset": Int(offset),
            "reason": reason, "detail": detail, "value_base64": Data(value).base64EncodedString(),
        ]
        var data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return data
    }
}
