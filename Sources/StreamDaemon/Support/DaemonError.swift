/// The one error type of the daemon module: Kafka, configuration, HTTP and lifecycle faults.
///
/// librdkafka return codes become this type at the bridge boundary (`rdKafkaCode` keeps the
/// original `rd_kafka_resp_err_t` value).
struct DaemonError: Error, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        var description: String { rawValue }

        static let kafkaConfig = Code("kafka-config")
        static let kafkaClient = Code("kafka-client")
        static let kafkaProduce = Code("kafka-produce")
        static let kafkaConsume = Code("kafka-consume")
        static let kafkaCommit = Code("kafka-commit")
        static let kafkaMock = Code("kafka-mock")
        static let usage = Code("usage")
        static let configuration = Code("configuration")
        static let quarantine = Code("quarantine")
        static let checkpoint = Code("checkpoint")
        static let close = Code("close")
        static let notImplemented = Code("not-implemented")
    }

    var code: Code
    var message: String
    /// The librdkafka error code, when the fault came from librdkafka.
    var rdKafkaCode: Int32?
    /// Where the fault came from: a configuration key, a topic/partition, a file.
    var source: String?

    init(_ code: Code, _ message: String, rdKafkaCode: Int32? = nil, source: String? = nil) {
        self.code = code
        self.message = message
        self.rdKafkaCode = rdKafkaCode
        self.source = source
    }

    var description: String {
        var text = "\(code): \(message)"
        if let source { text += " (\(source))" }
        return text
    }
}
