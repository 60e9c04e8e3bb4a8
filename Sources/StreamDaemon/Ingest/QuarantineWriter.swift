import Foundation
import KafkaBridge

/// Where undecodable messages go: an append-only local file (JSON lines) and/or a dead-letter
/// topic, each record with topic, partition, offset, reason and the raw bytes. Nothing is skipped
/// silently: the consumer counts every quarantined message in its state and metrics.
///
/// Confined to the consumer thread. `drain()` hands the buffered records to the file and returns
/// the `QuarantineDurability` the checkpoint writer runs before each checkpoint, so a committed offset never covers a quarantine record that could be lost. A
/// crash between append and checkpoint re-appends the same records on restart: readers dedupe by
/// (topic, partition, offset).
final class QuarantineWriter {
    private let file: QuarantineFile?
    private let producer: KafkaProducer?
    private let topic: String?
    private var pending: [UInt8] = []
    /// Bytes of records buffered in memory, not yet handed to the file by `drain()`.
    var pendingBytes: Int { pending.count }
    let path: String?

    /// Opens (creating) `path` for appending and/or sets up the dead-letter `topic`.
    init(path: String?, topic: String?, producer: KafkaProducer?) throws {
        self.path = path
        self.topic = topic
        self.producer = topic == nil ? nil : producer
        if let path {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw DaemonError(
                    .quarantine, "cannot create the quarantine file's directory: \(error.localizedDescription)",
                    source: path)
            }
            file = try QuarantineFile(path: path)
        } else {
            file = nil
        }
    }

    /// Records one bad message (buffered until `drain()`); also produces it to the dead-letter topic.
    func quarantine(
        topic sourceTopic: String, partition: Int32, offset: Int64, reason: String, detail: String,
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer
    ) throws {
        if file != nil {
            pending.append(
                contentsOf: Self.jsonLine(
                    topic: sourceTopic, partition: partition, offset: offset, reason: reason, detail: detail,
                    value: value))
        }
        if let producer, let topic {
            try producer.produce(topic: topic, key: key, value: value)
        }
    }

    /// Writes the buffered records to the file (not yet durable) and returns what makes every
    /// record quarantined so far durable — run that before the checkpoint covering their offsets,
    /// from any thread.
    func drain() throws -> QuarantineDurability {
        if let file, !pending.isEmpty {
            try file.append(pending)
            pending.removeAll(keepingCapacity: true)
        }
        return QuarantineDurability(file: file, producer: producer)
    }

    /// One record: `{"topic":..,"partition":..,"offset":..,"reason":..,"detail":..,"value_base64":..}`.
    static func jsonLine(
        topic: String, partition: Int32, offset: Int64, reason: String, detail: String, value: UnsafeRawBufferPointer
    ) -> [UInt8] {
        let record: [String: Any] = [
            "topic": topic, "partition": Int(partition), "offset": Int(offset),
            "reason": reason, "detail": detail, "value_base64": Data(value).base64EncodedString(),
        ]
        var data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return [UInt8](data)
    }
}
