internal import CRdKafka
package import Logging
import Synchronization

/// A librdkafka producer.
///
/// `@unchecked Sendable`: `rd_kafka_t` and `rd_kafka_topic_t` are thread-safe in librdkafka; the
/// only Swift state, the topic-handle cache (`RDKafkaTopicHandles`), is thread-safe.
package final class KafkaProducer: @unchecked Sendable {
    package let handle: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>
    private let topics: RDKafkaTopicHandles

    /// Creates a producer; `properties` are librdkafka properties (`bootstrap.servers`, ...).
    /// With `sasl.mechanisms=OAUTHBEARER`, `tokenProvider` supplies the tokens, fetched on
    /// librdkafka's background thread (a producer is not polled regularly).
    package init(properties: [String: String], tokenProvider: OAuthTokenFetcher? = nil, logger: Logger)
        throws(KafkaError)
    {
        var props = properties
        if props["queue.buffering.max.messages"] == nil { props["queue.buffering.max.messages"] = "1000000" }
        let (rk, context) = try RDKafkaClientContext.makeClient(
            RD_KAFKA_PRODUCER, properties: props, tokenProvider: tokenProvider, refresh: .background, logger: logger
        ) { conf, _ in
            // Reports deliveries to `produceAndWait` callers (messages with an opaque); see
            // KafkaProducer+Delivery.swift.
            rd_kafka_conf_set_dr_msg_cb(conf, KafkaProducer.deliveryCallback)
        }
        self.handle = rk
        self.context = context
        topics = RDKafkaTopicHandles(client: rk)
    }

    deinit {
        topics.destroyAll()
        rd_kafka_destroy(handle)
        context.release()
    }

    package func topicHandle(_ name: String) throws(KafkaError) -> OpaquePointer {
        try topics.handle(name, code: .kafkaProduce)
    }

    /// Enqueues one message (the bytes are copied). Blocks, serving delivery reports, while the
    /// local queue is full. `partition` nil lets the partitioner choose (by key when present).
    package func produce(
        topic: String,
        partition: Int32? = nil,
        key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer
    ) throws(KafkaError) {
        let rkt = try topicHandle(topic)
        while true {
            let rc = rd_kafka_produce(
                rkt,
                partition ?? RD_KAFKA_PARTITION_UA,
                RD_KAFKA_MSG_F_COPY,
                UnsafeMutableRawPointer(mutating: value.baseAddress),
                value.count,
                key?.baseAddress,
                key?.count ?? 0,
                nil
            )
            if rc == 0 { return }
            let err = rd_kafka_last_error()
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(handle, 10)
                continue
            }
            throw KafkaError(.kafkaProduce, err, context: "produce failed", source: topic)
        }
    }

    /// Convenience for byte arrays.
    package func produce(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]) throws(KafkaError) {
        let result: Result<Void, KafkaError> = value.withUnsafeBytes { v in
            if let key {
                return key.withUnsafeBytes { k in
                    Result { () throws(KafkaError) in try produce(topic: topic, partition: partition, key: k, value: v)
                    }
                }
            }
            return Result { () throws(KafkaError) in try produce(topic: topic, partition: partition, key: nil, value: v)
            }
        }
        try result.get()
    }

    /// Serves delivery reports for up to `timeoutMs`.
    package func poll(timeoutMs: Int32 = 0) {
        rd_kafka_poll(handle, timeoutMs)
    }

    /// Waits until every enqueued message is acknowledged by the broker, or throws on timeout.
    /// Blocking: call off the cooperative pool.
    package func flush(timeoutMs: Int32) throws(KafkaError) {
        let err = rd_kafka_flush(handle, timeoutMs)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(
                .kafkaProduce, err,
                context: "flush did not complete (\(rd_kafka_outq_len(handle)) messages outstanding)")
        }
    }
}
