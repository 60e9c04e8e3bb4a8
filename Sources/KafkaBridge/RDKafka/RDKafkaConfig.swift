internal import CRdKafka

/// Builds a librdkafka configuration object from key/value properties.
///
/// Values are passed through unchanged, so any librdkafka property works
/// (`kafka.properties.*` in the daemon's configuration).
enum RDKafkaConfig {
    /// Returns a new `rd_kafka_conf_t`; ownership passes to the caller (or to `rd_kafka_new`).
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errstr = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // Never echo the value: it may be a secret (sasl.password, ...).
                throw KafkaError(.kafkaConfig, string(errstr), source: key)
            }
        }
        return conf
    }

    /// Turns librdkafka's error string buffer into a Swift string.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension KafkaError {
    /// Wraps a librdkafka error code.
    init(_ code: Code, _ err: rd_kafka_resp_err_t, context: String, source: String? = nil) {
        self.init(
            code,
            "\(context): \(String(cString: rd_kafka_err2str(err)))",
            rdKafkaCode: err.rawValue,
            source: source
        )
    }
}
