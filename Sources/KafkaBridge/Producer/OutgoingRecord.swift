/// One record to produce to an explicit partition and wait for (`KafkaProducer.produceAndWait`).
package struct OutgoingRecord: Sendable {
    package var topic: String
    /// The partition, or `anyPartition`.
    package var partition: Int32
    package var key: [UInt8]
    package var value: [UInt8]
    /// A null value (a tombstone: compaction deletes the key); `value` is ignored.
    package var tombstone = false

    /// The partitioner chooses the partition (by key when there is one): librdkafka's
    /// `RD_KAFKA_PARTITION_UA`.
    package static let anyPartition: Int32 = -1

    package init(topic: String, partition: Int32, key: [UInt8], value: [UInt8], tombstone: Bool = false) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.tombstone = tombstone
    }
}
