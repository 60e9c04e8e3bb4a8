internal import CRdKafka
package import Logging

/// librdkafka's in-memory Kafka-protocol cluster (`rdkafka_mock.h`), serving on 127.0.0.1.
///
/// Real clients talk the real protocol to it over loopback. Its limits (measured): at most 5 MiB
/// of batches per partition (older ones dropped silently), no CreateTopics, no compaction, no
/// TLS/SASL, nothing persisted.
///
/// `@unchecked Sendable`: the mock cluster runs on its own thread and its API is thread-safe; the
/// Swift object holds only immutable pointers.
package final class EmbeddedKafkaCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>
    /// The bootstrap list, `127.0.0.1:port[,...]`.
    package let bootstrapServers: String
    package let brokerCount: Int

    /// Starts `brokers` mock brokers on 127.0.0.1, on ports the kernel picks
    /// (`bootstrapServers` says which).
    package init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        guard brokers >= 1 else { throw KafkaError(.usage, "--brokers must be at least 1") }
        // An idle producer without bootstrap servers carries the mock cluster's bookkeeping.
        let conf = try RDKafkaConfig.make(["log_level": "3"])
        // The cluster's own handle reconnects to the mock brokers while they are torn down and
        // logs that as an error: only its critical lines are worth showing.
        var quiet = logger
        quiet.logLevel = .critical
        let context = Unmanaged.passRetained(RDKafkaClientContext(log: RDKafkaLog(logger: quiet)))
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        RDKafkaLog.install(on: conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(.kafkaEmbedded, RDKafkaConfig.string(errstr))
        }
        let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers))
        guard let mc else {
            rd_kafka_destroy(rk)
            context.release()
            throw KafkaError(.kafkaEmbedded, "failed to create the mock cluster")
        }
        self.handle = rk
        self.cluster = mc
        self.context = context
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)  // must precede rd_kafka_destroy
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Creates `topic` with `partitions` partitions (replication: up to 3, at most the broker count).
    package func createTopic(_ topic: String, partitions: Int) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(min(brokerCount, 3)))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaEmbedded, err, context: "cannot create topic", source: topic)
        }
    }

    /// Takes broker `id` (1-based) down or brings it back up, for fault tests.
    package func setBroker(_ id: Int32, up: Bool) throws(KafkaError) {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaEmbedded, err, context: "cannot change broker \(id) state")
        }
    }

    /// Makes broker `id` the coordinator of consumer group `group`, for fault tests.
    package func setCoordinator(group: String, broker id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_coordinator_set(cluster, "group", group, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(.kafkaEmbedded, err, context: "cannot set the coordinator of \(group)")
        }
    }

    /// Makes the next `errors.count` requests of Kafka API `apiKey` fail with those error codes.
    package func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }
}
