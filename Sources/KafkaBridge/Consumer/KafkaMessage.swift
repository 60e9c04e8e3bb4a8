package import Aggregation

/// One consumed message, borrowed from librdkafka for the duration of a handler call.
///
/// `key` and `value` point into librdkafka's message buffer: valid only inside the handler that
/// received them; do not escape the pointers.
package struct KafkaMessage {
    package var topic: String
    package var partition: Int32
    package var offset: Int64
    package var key: UnsafeRawBufferPointer?
    package var value: UnsafeRawBufferPointer

    package var topicPartition: PartitionKey { PartitionKey(topic: topic, partition: partition) }

    package init(
        topic: String, partition: Int32, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }
}
