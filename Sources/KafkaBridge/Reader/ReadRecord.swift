/// One record read by `KafkaPartitionReader`, copied out of librdkafka's buffers.
package struct ReadRecord: Sendable {
    package var partition: Int32
    package var offset: Int64
    package var key: [UInt8]
    package var value: [UInt8]

    package init(partition: Int32, offset: Int64, key: [UInt8], value: [UInt8]) {
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }
}
