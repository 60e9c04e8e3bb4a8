/// A Kafka topic partition, as the daemon keys its state.
package struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var topic: String
    package var partition: Int32

    package static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    package var description: String { "\(topic)/\(partition)" }

    package init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}
