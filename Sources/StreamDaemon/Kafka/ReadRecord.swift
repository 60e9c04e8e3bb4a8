/// One record read by `KafkaPartitionReader`, copied out of librdkafka's buffers.
struct ReadRecord: Sendable {
    var partition: Int32
    var offset: Int64
    var key: [UInt8]
    var value: [UInt8]
}
