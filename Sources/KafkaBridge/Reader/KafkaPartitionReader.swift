package import Aggregation
internal import CRdKafka
package import Logging
import Synchronization

/// A group-less reader of chosen partitions and offset ranges (librdkafka's simple consumer:
/// `rd_kafka_consume_start` / `rd_kafka_consume_batch`), plus watermark and metadata queries.
/// It never joins a consumer group and never commits.
///
/// Every call blocks its thread (network round trips): use it from a daemon thread or
/// `Blocking.run`, never on the cooperative pool.
///
/// `@unchecked Sendable`: `rd_kafka_t` and `rd_kafka_topic_t` are thread-safe; the topic-handle
/// cache and the set of started partitions are behind a `Mutex`. A partition is read by one
/// caller at a time (callers own distinct partitions or serialise).
package final class KafkaPartitionReader: @unchecked Sendable {
    package let handle: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>
    private let topics: RDKafkaTopicHandles
    private let started = Mutex<Set<PartitionKey>>([])

    /// `properties`: librdkafka properties (`bootstrap.servers`, security); group and producer
    /// settings are dropped. Partition EOF events are on; offsets out of range are errors, not resets.
    package init(properties: [String: String], tokenProvider: OAuthTokenFetcher? = nil, logger: Logger)
        throws(KafkaError)
    {
        var props = properties
        // Group and producer settings do not apply (librdkafka warns about each of them).
        for key in [
            "group.id", "partition.assignment.strategy", "session.timeout.ms", "max.poll.interval.ms",
            "enable.auto.commit",
            "enable.auto.offset.store", "compression.codec", "compression.type", "linger.ms", "queue.buffering.max.ms",
            "acks",
            "enable.idempotence", "batch.num.messages", "queue.buffering.max.messages",
        ] {
            props[key] = nil
        }
        props["enable.partition.eof"] = "true"
        props["auto.offset.reset"] = "error"
        if props["fetch.wait.max.ms"] == nil { props["fetch.wait.max.ms"] = "10" }
        if props["fetch.message.max.bytes"] == nil { props["fetch.message.max.bytes"] = "4194304" }
        let (rk, context) = try RDKafkaClientContext.makeClient(
            RD_KAFKA_CONSUMER, properties: props, tokenProvider: tokenProvider, refresh: .background, logger: logger
        )
        handle = rk
        self.context = context
        topics = RDKafkaTopicHandles(client: rk)
    }

    deinit {
        for tp in started.withLock({ $0 }) {
            if let rkt = topics.existing(tp.topic) { rd_kafka_consume_stop(rkt, tp.partition) }
        }
        topics.destroyAll()
        rd_kafka_destroy(handle)
        context.release()
    }

    package func topicHandle(_ name: String) throws(KafkaError) -> OpaquePointer {
        try topics.handle(name, code: .kafkaConsume)
    }

    // MARK: Queries

    /// The partition's low (log start) and high (next offset to be written) watermarks, asked
    /// of the partition leader.
    package func watermarks(_ tp: PartitionKey, timeoutMs: Int32 = 10_000) throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaConsume, err, context: "cannot query watermarks", source: "\(tp)")
        }
        return (low, high)
    }

    /// The number of partitions of `topic`, nil when the cluster does not have it. Lists all
    /// topics (a metadata request for one topic could auto-create it).
    package func partitionCount(_ topic: String, timeoutMs: Int32 = 10_000) throws(KafkaError) -> Int? {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(.kafkaClient, err, context: "cannot read cluster metadata", source: topic)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let m = metadata.pointee
        for i in 0..<Int(m.topic_cnt) {
            let t = m.topics[i]
            guard String(cString: t.topic) == topic else { continue }
            if t.err != RD_KAFKA_RESP_ERR_NO_ERROR && t.err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE { return nil }
            return Int(t.partition_cnt)
        }
        return nil
    }

    // MARK: Reading

    /// Calls `body` with every record of `tp` at offsets `from..<end` that is still in the log,
    /// in order (records below the partition's log start are gone: reading starts there).
    /// - Throws: `.kafkaConsume` on a broker error or when `timeoutMs` passes first.
    package func read(
        _ tp: PartitionKey, from: Int64, until end: Int64, timeoutMs: Int32 = 30_000,
        _ body: (ReadRecord) throws -> Void
    ) throws {
        guard end > from else { return }
        let (low, high) = try watermarks(tp)
        let start = max(from, low)
        let stop = min(end, high)
        guard stop > start else { return }
        let rkt = try topicHandle(tp.topic)
        if rd_kafka_consume_start(rkt, tp.partition, start) != 0 {
            throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "cannot start reading", source: "\(tp)")
        }
        defer { rd_kafka_consume_stop(rkt, tp.partition) }
        let capacity = 1024
        let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: capacity)
        defer { batch.deallocate() }
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        var next = start
        while next < stop {
            guard ContinuousClock.now < deadline else {
                throw KafkaError(
                    .kafkaConsume, "reading offsets \(next)..<\(stop) did not finish within \(timeoutMs) ms",
                    source: "\(tp)")
            }
            // consume_batch waits until it has `size` messages or the timeout passed: ask for no
            // more than the range can still hold (+1 for a partition-EOF event), so an exact
            // range returns as soon as its records are fetched.
            let size = Int(min(Int64(capacity), stop - next + 1))
            let n = rd_kafka_consume_batch(rkt, tp.partition, 200, batch, size)
            if n < 0 { throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "read failed", source: "\(tp)") }
            try Self.forEachMessage(in: batch, count: n) { m in
                if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(.kafkaConsume, m.err, context: "read failed at offset \(next)", source: "\(tp)")
                }
                if m.offset >= stop {
                    next = stop
                    return false
                }
                if m.offset < next { return true }
                next = m.offset + 1
                try body(Self.copy(m))
                return true
            }
        }
    }

    /// Calls `body` with each of the `n` messages of a `rd_kafka_consume_batch*` result except
    /// partition-EOF events, in order, until it returns false; then destroys all `n`, also when
    /// `body` throws. `body` sees the message only during the call (do not keep its pointers).
    static func forEachMessage<E: Error>(
        in batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>, count n: Int,
        _ body: (rd_kafka_message_t) throws(E) -> Bool
    ) throws(E) {
        // `batch` holds the `n` messages the consume call returned; each is destroyed once.
        defer { for i in 0..<n { rd_kafka_message_destroy(batch[i]) } }
        for i in 0..<n {
            guard let message = batch[i] else { continue }
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
            guard try body(m) else { return }
        }
    }

    /// Copies a message's key and value out of librdkafka's buffers (valid only until the
    /// message is destroyed; the pointers do not escape).
    static func copy(_ m: rd_kafka_message_t) -> ReadRecord {
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) } ?? []
        return ReadRecord(partition: m.partition, offset: m.offset, key: key, value: value)
    }

    // MARK: Tailing

    /// Starts fetching `tp` from `offset` in the background; `pollTail` returns what arrived.
    package func startTail(_ tp: PartitionKey, from offset: KafkaOffset) throws(KafkaError) {
        let rkt = try topicHandle(tp.topic)
        if rd_kafka_consume_start(rkt, tp.partition, offset.rawValue) != 0 {
            throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "cannot start reading", source: "\(tp)")
        }
        started.withLock { _ = $0.insert(tp) }
    }

    /// The records of a started partition fetched so far (waits up to `timeoutMs` for the
    /// first); partition-EOF events are skipped, other errors thrown.
    package func pollTail(_ tp: PartitionKey, timeoutMs: Int32 = 0, max: Int = 1024) throws(KafkaError) -> [ReadRecord]
    {
        let rkt = try topicHandle(tp.topic)
        let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: max)
        defer { batch.deallocate() }
        let n = rd_kafka_consume_batch(rkt, tp.partition, timeoutMs, batch, max)
        if n < 0 { throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "read failed", source: "\(tp)") }
        var records: [ReadRecord] = []
        try Self.forEachMessage(in: batch, count: n) { (m) throws(KafkaError) in
            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(.kafkaConsume, m.err, context: "read failed", source: "\(tp)")
            }
            records.append(Self.copy(m))
            return true
        }
        return records
    }
}
