package import Aggregation
internal import CRdKafka
package import Logging
import Synchronization

/// A librdkafka consumer-group member.
///
/// Every call that waits (`poll`, `commit`, `committed`, `close`) blocks its thread: run them on a
/// dedicated thread or the NIO thread pool, never on the cooperative pool. Rebalance callbacks run
/// on the thread that calls `poll`.
///
/// `@unchecked Sendable`: `rd_kafka_t` is thread-safe; the Swift state (context, topic-name cache,
/// batch array) is immutable after `init` or confined to the polling thread.
package final class KafkaConsumer: @unchecked Sendable {
    /// The client; internal for the extensions of this type (`+Pause`).
    let handle: OpaquePointer
    /// The consumer-group queue (`rd_kafka_queue_get_consumer`), read in batches by `poll`.
    private let queue: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>
    private let logger: Logger
    /// Topic names by `rd_kafka_topic_t` pointer, so the hot path does not build a `String` per
    /// message. Touched only on the polling thread.
    private var topicNames: [OpaquePointer: String] = [:]
    /// The last topic looked up (messages come in runs of one partition).
    private var lastTopic: (rkt: OpaquePointer, name: String)?
    /// Message pointers of one `rd_kafka_consume_batch_queue` call; `batchCapacity` slots,
    /// allocated once, used only on the polling thread inside `poll`.
    private let batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private static let batchCapacity = 4096

    /// Prefetch limits used unless `properties` set them. In a group, librdkafka (2.0.2) checks
    /// `queued.min.messages` / `queued.max.messages.kbytes` against the group queue that every
    /// partition forwards to, so with the defaults (100,000 messages) fetching stops for all
    /// partitions as soon as one poll's worth is queued and resumes only at the broker thread's
    /// next wake-up, up to 1 s later: measured, the consume phase of 2M events went from 7.4 s
    /// (1 s stalls between bursts) to 2.6 s (docs/daemon-throughput.md).
    package static let prefetchDefaults = ["queued.min.messages": "1000000", "queued.max.messages.kbytes": "262144"]

    /// Creates a consumer; `properties` must include `group.id` and `bootstrap.servers`.
    /// Auto-commit is forced off: offsets are committed only by `commit(_:)`.
    /// With `sasl.mechanisms=OAUTHBEARER`, `tokenProvider` supplies the tokens; librdkafka asks
    /// for them from within `poll` (the first poll fetches the initial token).
    package init(
        properties: [String: String],
        rebalance: RebalanceHandler? = nil,
        tokenProvider: OAuthTokenFetcher? = nil,
        logger: Logger
    ) throws(KafkaError) {
        var props = Self.prefetchDefaults.merging(properties) { _, given in given }
        props["enable.auto.commit"] = "false"
        props["enable.auto.offset.store"] = "false"
        let (rk, context) = try RDKafkaClientContext.makeClient(
            RD_KAFKA_CONSUMER, properties: props, tokenProvider: tokenProvider, refresh: .poll, logger: logger
        ) { conf, context in
            context.rebalance.withLock { $0 = rebalance }
            rd_kafka_conf_set_rebalance_cb(conf, KafkaConsumer.rebalanceCallback)
            rd_kafka_conf_set_error_cb(conf, KafkaConsumer.errorCallback)
        }
        rd_kafka_poll_set_consumer(rk)
        guard let queue = rd_kafka_queue_get_consumer(rk) else {
            rd_kafka_destroy(rk)
            context.release()
            throw KafkaError(.kafkaClient, "the consumer has no group queue (group.id missing?)")
        }
        self.queue = queue
        batch = .allocate(capacity: Self.batchCapacity)
        self.handle = rk
        self.context = context
        self.logger = logger
    }

    deinit {
        batch.deallocate()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Joins the group for `topics`.
    package func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaConsume, err, context: "subscribe failed", source: topics.joined(separator: ","))
        }
    }

    /// Waits up to `timeoutMs` for messages and hands up to `maxMessages` of them to `handler`,
    /// one at a time; returns how many were handled. Partition-EOF and transient errors are
    /// logged and skipped; fatal client errors throw.
    ///
    /// Reads the group queue in batches (`rd_kafka_consume_batch_queue`), which serves rebalance
    /// and other callbacks like `rd_kafka_consumer_poll` does. A rebalance served inside a batch
    /// may leave messages of a revoked partition in it: the handler must ignore messages of
    /// partitions it does not own and offsets it has already processed.
    package func poll(
        maxMessages: Int,
        timeoutMs: Int32,
        _ handler: (KafkaMessage) throws -> Void
    ) throws -> Int {
        try pollBatches(maxMessages: maxMessages, timeoutMs: timeoutMs) { messages in
            for message in messages { try handler(message) }
        }
    }

    /// Like `poll`, but hands every batch read from the queue to `handler` at once (error events
    /// left out), so that the caller can work on several messages together. The messages'
    /// buffers stay valid until `handler` returns: do not escape them or the array.
    package func pollBatches(
        maxMessages: Int,
        timeoutMs: Int32,
        _ handler: ([KafkaMessage]) throws -> Void
    ) throws -> Int {
        var handled = 0
        var wait = timeoutMs
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(Self.batchCapacity)
        while handled < maxMessages {
            let n = rd_kafka_consume_batch_queue(queue, wait, batch, min(Self.batchCapacity, maxMessages - handled))
            if n < 0 {
                throw KafkaError(.kafkaConsume, rd_kafka_last_error(), context: "batch consume failed")
            }
            if n == 0 { break }
            wait = 0
            // Every message of the batch is destroyed, also when the handler throws; `messages`
            // (views into them) is emptied first.
            defer {
                messages.removeAll(keepingCapacity: true)
                for i in 0..<n { rd_kafka_message_destroy(batch[i]) }
            }
            for i in 0..<n {
                guard let message = batch[i] else { continue }
                if let view = try view(of: message) { messages.append(view) }
            }
            handled += messages.count
            if !messages.isEmpty { try handler(messages) }
        }
        return handled
    }

    /// A view of one message, nil for a logged/skipped error event; throws on fatal errors.
    /// The view's buffers are valid until the message is destroyed.
    @inline(__always)
    private func view(of message: UnsafeMutablePointer<rd_kafka_message_t>) throws -> KafkaMessage? {
        let m = message.pointee
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
            let error = KafkaError(.kafkaConsume, m.err, context: "consumer error")
            if m.err == RD_KAFKA_RESP_ERR__FATAL { throw error }
            logger.warning("kafka consumer error", metadata: ["error": "\(error)"])
            return nil
        }
        return KafkaMessage(
            topic: topicName(m.rkt),
            partition: m.partition,
            offset: m.offset,
            key: m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) },
            value: UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : m.len)
        )
    }

    private func topicName(_ rkt: OpaquePointer?) -> String {
        guard let rkt else { return "" }
        if let last = lastTopic, last.rkt == rkt { return last.name }
        let name: String
        if let cached = topicNames[rkt] {
            name = cached
        } else {
            name = String(cString: rd_kafka_topic_name(rkt))
            topicNames[rkt] = name
        }
        lastTopic = (rkt, name)
        return name
    }

    /// Synchronously commits `offsets` (the *next* offset to read per partition) to the group.
    package func commit(_ offsets: [PartitionKey: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(handle, list, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaCommit, err, context: "offset commit failed")
        }
    }

    /// The group's committed offsets for `partitions` (nil where nothing is committed).
    package func committed(_ partitions: [PartitionKey], timeoutMs: Int32) throws(KafkaError) -> [PartitionKey: Int64?]
    {
        let list = Self.makeList(
            Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaCommit, err, context: "cannot read committed offsets")
        }
        var result: [PartitionKey: Int64?] = [:]
        for (tp, offset) in Self.read(list) { result[tp] = offset >= 0 ? offset : nil }
        return result
    }

    /// Low and high watermarks of a partition as last seen by the client (no broker round trip),
    /// nil when not yet known.
    package func cachedWatermarks(_ tp: PartitionKey) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Whether librdkafka last reported every broker connection down (and no probe has
    /// reached a broker since).
    package var allBrokersDown: Bool { context.takeUnretainedValue().allBrokersDown.load(ordering: .relaxed) }

    /// Asks any broker for metadata (blocking up to `timeoutMs`); a reply clears
    /// `allBrokersDown`. Returns whether a broker answered.
    @discardableResult
    package func probeBrokers(timeoutMs: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMs)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { return false }
        context.takeUnretainedValue().allBrokersDown.store(false, ordering: .relaxed)
        return true
    }

    /// Leaves the group (running the revoke callback) and stops fetching.
    package func close() throws(KafkaError) {
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaConsume, err, context: "consumer close failed")
        }
    }

    // MARK: partition lists

    static func makeList(_ offsets: [PartitionKey: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (tp, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            element.pointee.offset = offset
        }
        return list
    }

    static func read(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [(PartitionKey, Int64)] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elems = list.pointee.elems else { return [] }
        return (0..<count).map { i in
            let e = elems[i]
            return (PartitionKey(topic: String(cString: e.topic), partition: e.partition), e.offset)
        }
    }

    /// librdkafka's error callback (client-level errors, e.g. every broker down): logged as
    /// librdkafka logs them without a callback, and ALL_BROKERS_DOWN is remembered for /readyz.
    private static let errorCallback:
        @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
            _, err, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            if err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue {
                context.allBrokersDown.store(true, ordering: .relaxed)
            }
            context.log.logger.error(
                "\(reason.map { String(cString: $0) } ?? "")",
                metadata: [
                    "rdkafka.facility": "ERROR",
                    "rdkafka.error": .string(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: err)))),
                ])
        }

    /// librdkafka's rebalance callback: runs on the polling thread inside `rd_kafka_consumer_poll`.
    private static let rebalanceCallback:
        @convention(c) (
            OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
            UnsafeMutableRawPointer?
        ) -> Void = { rk, err, partitions, opaque in
            guard let rk, let partitions, let opaque else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let handler = context.rebalance.withLock { $0 }
            let assigned = read(partitions).map(\.0)
            switch err {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                if let handler {
                    let starts = handler.onAssign(assigned)
                    let count = Int(partitions.pointee.cnt)
                    for i in 0..<count {
                        let e = partitions.pointee.elems[i]
                        let tp = PartitionKey(topic: String(cString: e.topic), partition: e.partition)
                        if let start = starts[tp] { partitions.pointee.elems[i].offset = start.rawValue }
                    }
                }
                context.log.logger.info("partitions assigned", metadata: ["partitions": "\(assigned.sorted())"])
                rd_kafka_assign(rk, partitions)
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                handler?.onRevoke(assigned)
                context.log.logger.info("partitions revoked", metadata: ["partitions": "\(assigned.sorted())"])
                rd_kafka_assign(rk, nil)
            default:
                context.log.logger.error(
                    "rebalance error", metadata: ["error": "\(String(cString: rd_kafka_err2str(err)))"])
                rd_kafka_assign(rk, nil)
            }
        }
}
