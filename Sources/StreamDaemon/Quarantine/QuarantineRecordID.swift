/// Where a quarantined message lives in Kafka: what identifies a quarantine record.
package struct QuarantineRecordID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var topic: String
    package var partition: Int32
    package var offset: Int64

    package init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// `topic/partition@offset`.
    package var description: String { "\(topic)/\(partition)@\(offset)" }

    package static func < (a: Self, b: Self) -> Bool {
        (a.topic, a.partition, a.offset) < (b.topic, b.partition, b.offset)
    }
}
