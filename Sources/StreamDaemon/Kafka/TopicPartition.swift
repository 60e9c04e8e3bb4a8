/// A Kafka topic partition, as the daemon keys its state.
struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    var topic: String
    var partition: Int32

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    var description: String { "\(topic)/\(partition)" }
}
