/// The one error type of the Kafka bridge: configuration, client, produce, consume, commit,
/// embedded-cluster and OAuth token faults.
///
/// librdkafka return codes become this type at the bridge boundary (`rdKafkaCode` keeps the
/// original `rd_kafka_resp_err_t` value); nothing above the bridge sees a C type.
package struct KafkaError: Error, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// A librdkafka property was rejected.
        package static let kafkaConfig = Code("kafka-config")
        /// A client could not be created or failed as a whole.
        package static let kafkaClient = Code("kafka-client")
        package static let kafkaProduce = Code("kafka-produce")
        package static let kafkaConsume = Code("kafka-consume")
        package static let kafkaCommit = Code("kafka-commit")
        /// The embedded development cluster could not be created or changed.
        package static let kafkaEmbedded = Code("kafka-embedded")
        /// A caller passed an argument the bridge cannot use (a broker count below 1).
        package static let usage = Code("usage")
        /// A configuration value the bridge needs is missing or unusable.
        package static let configuration = Code("configuration")
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
    /// Where the fault came from: a property name, a topic/partition, a file, a URL.
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
