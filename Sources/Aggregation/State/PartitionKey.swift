/// A Kafka topic partition, or an input file (`topic` = path, `partition` = 0) in replay.
package struct PartitionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var topic: String
    package var partition: Int32

    package init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    package var description: String { "\(topic)/\(partition)" }

    package static func < (a: Self, b: Self) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}

/// Progress of one partition within a state.
package struct PartitionProgress: Sendable, Equatable {
    package var key: PartitionKey
    /// Highest event time seen (UTC ms), `Int64.min` before the first event.
    package var watermarkMs: Int64 = .min
    /// Offset of the next message to consume, `-1` before the first.
    package var nextOffset: Int64 = -1

    package init(key: PartitionKey, watermarkMs: Int64 = .min, nextOffset: Int64 = -1) {
        self.key = key
        self.watermarkMs = watermarkMs
        self.nextOffset = nextOffset
    }
}
