/// One consumed message, borrowed from librdkafka for the duration of a handler call.
///
/// `key` and `value` point into librdkafka's message buffer: valid only inside the handler that
/// received them; do not escape the pointers.
struct KafkaMessage {
    var topic: String
    var partition: Int32
    var offset: Int64
    var key: UnsafeRawBufferPointer?
    var value: UnsafeRawBufferPointer

    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
