internal import CRdKafka
import Logging

extension RDKafkaClientContext {
    /// How a client's OAUTHBEARER tokens are refreshed.
    enum TokenRefresh {
        /// On librdkafka's background thread (clients that are not polled regularly).
        case background
        /// From within the client's own polls (a consumer).
        case poll
    }

    /// Creates a librdkafka client of `type` with its logs going to `logger` and, when
    /// `tokenProvider` is set, OAUTHBEARER tokens from it; `configure` adds what is specific to
    /// the client (callbacks, the context's own state) before the handle is created.
    /// - Returns: the handle and the retained context: release the context after
    ///   `rd_kafka_destroy(handle)`, never before (librdkafka calls back into it until then).
    static func makeClient(
        _ type: rd_kafka_type_t,
        properties: [String: String],
        tokenProvider: OAuthTokenFetcher?,
        refresh: TokenRefresh,
        logger: Logger,
        configure: (OpaquePointer, RDKafkaClientContext) -> Void = { _, _ in }
    ) throws(KafkaError) -> (handle: OpaquePointer, context: Unmanaged<RDKafkaClientContext>) {
        try RDKafkaOAuthBearer.validate(properties, provider: tokenProvider)
        let conf = try RDKafkaConfig.make(properties)
        let context = Unmanaged.passRetained(
            RDKafkaClientContext(log: RDKafkaLog(logger: logger), tokenProvider: tokenProvider))
        configure(conf, context.takeUnretainedValue())
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        RDKafkaLog.install(on: conf)
        if tokenProvider != nil {
            RDKafkaOAuthBearer.install(on: conf)
            if refresh == .background { RDKafkaOAuthBearer.enableSASLQueue(on: conf) }
        }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(.kafkaClient, RDKafkaConfig.string(errstr))
        }
        if tokenProvider != nil, refresh == .background {
            do throws(KafkaError) {
                try RDKafkaOAuthBearer.enableBackgroundRefresh(rk)
            } catch {
                rd_kafka_destroy(rk)
                context.release()
                throw error
            }
        }
        return (rk, context)
    }
}
