/// The one error type of the daemon module: Kafka, configuration, HTTP and lifecycle faults.
///
/// librdkafka return codes become this type at the bridge boundary (`rdKafkaCode` keeps the
/// original `rd_kafka_resp_err_t` value).
package struct DaemonError: Error, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        package static let kafkaConfig = Code("kafka-config")
        package static let kafkaClient = Code("kafka-client")
        package static let kafkaProduce = Code("kafka-produce")
        package static let kafkaConsume = Code("kafka-consume")
        package static let kafkaCommit = Code("kafka-commit")
        package static let kafkaMock = Code("kafka-mock")
        package static let usage = Code("usage")
        package static let configuration = Code("configuration")
        package static let quarantine = Code("quarantine")
        package static let checkpoint = Code("checkpoint")
        package static let close = Code("close")
        package static let notImplemented = Code("not-implemented")
        /// The OAuth client secret file is missing, unreadable or empty.
        package static let oauthCredentials = Code("oauth-credentials")
        /// The token request failed: transport error or an HTTP status other than 200.
        package static let oauthToken = Code("oauth-token")
        /// The token endpoint answered 200 with a body that is not a usable token response.
        package static let oauthResponse = Code("oauth-response")
        /// A token request was refused locally because the previous one failed too recently.
        package static let oauthBackoff = Code("oauth-backoff")
    }

    package var code: Code
    package var message: String
    /// The librdkafka error code, when the fault came from librdkafka.
    package var rdKafkaCode: Int32?
    /// Where the fault came from: a configuration key, a topic/partition, a file.
    package var source: String?

    package init(_ code: Code, _ message: String, rdKafkaCode: Int32? = nil, source: String? = nil) {
        self.code = code
        self.message = message
        self.rdKafkaCode = rdKafkaCode
        self.source = source
    }

    package var description: String {
        var text = "\(code): \(message)"
        if let source { text += " (\(source))" }
        return text
    }
}
