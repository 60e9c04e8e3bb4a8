/// One record to produce to an explicit partition and wait for (`KafkaProducer.produceAndWait`).
struct OutgoingRecord: Sendable {
    var topic: String
    var partition: Int32
    var key: [UInt8]
    var value: [UInt8]
    /// A null value (a tombstone: compaction deletes the key); `value` is ignored.
    var tombstone = false
}
