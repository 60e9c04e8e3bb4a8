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
        /// The OAuth client secret file is missing, unreadable or empty.
        static let oauthCredentials = Code("oauth-credentials")
        /// The token request failed: transport error or an HTTP status other than 200.
        static let oauthToken = Code("oauth-token")
        /// The token endpoint answered 200 with a body that is not a usable token response.
        static let oauthResponse = Code("oauth-response")
        /// A token request was refused locally because the previous one failed too recently.
        static let oauthBackoff = Code("oauth-backoff")
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
