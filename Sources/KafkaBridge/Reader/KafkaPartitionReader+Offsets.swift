internal import CRdKafka

extension KafkaPartitionReader {
    /// Reads the records at `offsets` of several partitions of `topic` at once: every partition
    /// is fetched in parallel (one queue), from its lowest wanted offset until each wanted offset
    /// has been seen. Returns the records found by (partition, offset); offsets that are not in
    /// the log are simply absent (check the watermarks first to tell why).
    /// - Throws: `.kafkaConsume` on a broker error or when `timeoutMs` passes first.
    package func read(topic: String, offsets: [Int32: [Int64]], timeoutMs: Int32 = 30_000) throws(KafkaError) -> [Int32:
        [Int64: ReadRecord]]
    {
        var remaining = offsets.mapValues(Set.init).filter { !$0.value.isEmpty }
        guard !remaining.isEmpty else { return [:] }
        let rkt = try topicHandle(topic)
        guard let queue = rd_kafka_queue_new(handle) else {
            throw KafkaError(.kafkaConsume, "cannot create a queue", source: topic)
        }
        var started: [Int32] = []
        defer {
            for p in started { rd_kafka_consume_stop(rkt, p) }
            rd_kafka_queue_destroy(queue)
        }
        for (p, wanted) in remaining.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_consume_start_queue(rkt, p, wanted.min()!, queue) != 0 {
                throw KafkaError(
                    .kafkaConsume, rd_kafka_last_error(), context: "cannot start reading", source: "\(topic)/\(p)")
            }
            started.append(p)
        }
        let last = remaining.mapValues { $0.max()! }
        var found: [Int32: [Int64: ReadRecord]] = [:]
        let capacity = 256
        let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: capacity)
        defer { batch.deallocate() }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        while !remaining.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(
                    .kafkaConsume, "records not read within \(timeoutMs) ms: \(remaining.mapValues { $0.sorted() })",
                    source: topic)
            }
            let want = remaining.values.reduce(0) { $0 + $1.count }
            let n = rd_kafka_consume_batch_queue(queue, 50, batch, min(capacity, want))
            if n < 0 { throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "read failed", source: topic) }
            // The copies do not keep the messages' pointers.
            try Self.forEachMessage(in: batch, count: n) { (m) throws(KafkaError) in
                if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(.kafkaConsume, m.err, context: "read failed", source: "\(topic)/\(m.partition)")
                }
                guard remaining[m.partition]?.remove(m.offset) != nil else {
                    // Past the last wanted offset: that partition cannot give more.
                    if let end = last[m.partition], m.offset > end { remaining[m.partition] = nil }
                    return true
                }
                found[m.partition, default: [:]][m.offset] = Self.copy(m)
                if remaining[m.partition]?.isEmpty == true { remaining[m.partition] = nil }
                return true
            }
        }
        return found
    }
}
