internal import CBindPort
internal import CRdKafka
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// librdkafka's in-memory Kafka-protocol cluster (`rdkafka_mock.h`), serving on 127.0.0.1.
///
/// Real clients talk the real protocol to it over loopback. Its limits (measured): at most 5 MiB
/// of batches per partition (older ones dropped silently), no CreateTopics, no compaction, no
/// TLS/SASL, nothing persisted.
///
/// `@unchecked Sendable`: the mock cluster runs on its own thread and its API is thread-safe; the
/// Swift object holds only immutable pointers.
final class MockKafkaCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    private let context: Unmanaged<RDKafkaClientContext>
    /// The bootstrap list, `127.0.0.1:port[,...]`.
    let bootstrapServers: String
    let brokerCount: Int

    /// Starts `brokers` mock brokers. With `port`, broker *i* listens on `port + i - 1` (bind
    /// interposition armed only on this thread while the cluster is created); otherwise the
    /// kernel picks the ports.
    init(brokers: Int = 1, port: Int? = nil, logger: Logger) throws(DaemonError) {
        guard brokers >= 1 else { throw DaemonError(.usage, "--brokers must be at least 1") }
        if let port {
            guard port > 0, port + brokers - 1 <= 65535 else {
                throw DaemonError(.usage, "--port \(port) with \(brokers) brokers is out of range")
            }
            // librdkafka aborts if a mock listener cannot bind, so check first.
            for p in port..<(port + brokers) where aura_bind_port_is_free(Int32(p)) == 0 {
                throw DaemonError(.kafkaMock, "127.0.0.1:\(p): \(String(cString: strerror(errno)))")
            }
        }
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
            throw DaemonError(.kafkaMock, RDKafkaConfig.string(errstr))
        }
        if let port { aura_bind_port_arm(Int32(port), Int32(brokers)) }
        let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers))
        let unused = aura_bind_port_disarm()
        guard let mc else {
            rd_kafka_destroy(rk)
            context.release()
            throw DaemonError(.kafkaMock, "failed to create the mock cluster")
        }
        self.handle = rk
        self.cluster = mc
        self.context = context
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
        if port != nil && unused != 0 {
            throw DaemonError(.kafkaMock, "fixed ports need bind() interposition, which this build does not have")
        }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)  // must precede rd_kafka_destroy
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Creates `topic` with `partitions` partitions (replication: up to 3, at most the broker count).
    func createTopic(_ topic: String, partitions: Int) throws(DaemonError) {
        let err = rd_kafka_mock_topic_create(cluster, topic, Int32(partitions), Int32(min(brokerCount, 3)))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw DaemonError(.kafkaMock, err, context: "cannot create topic", source: topic)
        }
    }

    /// Takes broker `id` (1-based) down or brings it back up, for fault tests.
    func setBroker(_ id: Int32, up: Bool) throws(DaemonError) {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw DaemonError(.kafkaMock, err, context: "cannot change broker \(id) state")
        }
    }

    /// Makes broker `id` the coordinator of consumer group `group`, for fault tests.
    func setCoordinator(group: String, broker id: Int32) throws(DaemonError) {
        let err = rd_kafka_mock_coordinator_set(cluster, "group", group, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw DaemonError(.kafkaMock, err, context: "cannot set the coordinator of \(group)")
        }
    }

    /// Makes the next `errors.count` requests of Kafka API `apiKey` fail with those error codes.
    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }
}
