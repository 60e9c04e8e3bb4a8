internal import CRdKafka
import Logging

/// Hooks an `OAuthTokenFetcher` into librdkafka's SASL/OAUTHBEARER token refresh.
///
/// Timing is librdkafka's: with a refresh callback installed it queues a refresh as soon as the
/// client is created (so the first `rd_kafka_consumer_poll`/`rd_kafka_poll` fetches the initial
/// token, before any broker connection can authenticate), then again at 80 % of each token's
/// lifetime (`md_lifetime_ms`), and 10 s after a reported failure. The fetcher's own backoff
/// (`OAuthRefreshState`) makes retries within its window fail fast.
///
/// The callback runs on whichever thread serves the client's queue: the consumer's polling
/// thread, or librdkafka's background thread for a producer (`enableBackgroundRefresh`), which
/// need not be polled regularly. The fetch blocks that thread for at most the request timeout.
enum RDKafkaOAuthBearer {
    /// True when `properties` select the OAUTHBEARER SASL mechanism.
    static func isSelected(_ properties: [String: String]) -> Bool {
        let mechanism = properties["sasl.mechanisms"] ?? properties["sasl.mechanism"]
        return mechanism?.uppercased() == "OAUTHBEARER"
    }

    /// Checks that a token provider goes with OAUTHBEARER properties.
    static func validate(_ properties: [String: String], provider: OAuthTokenFetcher?) throws(KafkaError) {
        if provider != nil && !isSelected(properties) {
            throw KafkaError(
                .kafkaConfig, "an OAuth token provider needs sasl.mechanisms=OAUTHBEARER", source: "sasl.mechanisms")
        }
    }

    /// Installs the refresh callback on `conf`; the client's opaque must be its
    /// `RDKafkaClientContext`, whose `tokenProvider` answers the refreshes.
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, refreshCallback)
    }

    /// For a client that is not polled regularly, step 1 (before `rd_kafka_new`): refreshes go
    /// to a dedicated SASL queue instead of the main queue; step 2 is `enableBackgroundRefresh`.
    static func enableSASLQueue(on conf: OpaquePointer) {
        rd_kafka_conf_enable_sasl_queue(conf, 1)
    }

    /// Forwards the SASL queue of `rk` (created with `enableSASLQueue`) to the background thread.
    static func enableBackgroundRefresh(_ rk: OpaquePointer) throws(KafkaError) {
        guard let error = rd_kafka_sasl_background_callbacks_enable(rk) else { return }
        let message = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        throw KafkaError(.kafkaClient, "cannot serve OAUTHBEARER refreshes in the background: \(message)")
    }

    /// librdkafka's refresh callback (`sasl.oauthbearer.config` is not used: the fetcher carries
    /// its own configuration).
    private static let refreshCallback:
        @convention(c) (
            OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?
        ) -> Void = { rk, _, _ in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            // The opaque is the client's context, retained for the handle's whole life.
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            refresh(rk, context: context)
        }

    /// Fetches a token and hands it (or the failure) to librdkafka.
    static func refresh(_ rk: OpaquePointer, context: RDKafkaClientContext) {
        let logger = context.log.logger
        guard let provider = context.tokenProvider else {
            _ = rd_kafka_oauthbearer_set_token_failure(rk, "no OAuth token provider is configured")
            logger.error("OAUTHBEARER token requested but no token provider is configured")
            return
        }
        let endpoint = provider.credentials.tokenEndpoint
        let token: OAuthToken
        do {
            token = try provider.refreshToken()
        } catch {
            // The error names the endpoint and status, never the secret.
            logger.warning("cannot fetch an OAuth token", metadata: ["error": "\(error)"])
            _ = rd_kafka_oauthbearer_set_token_failure(rk, error.description)
            return
        }
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_oauthbearer_set_token(
            rk, token.accessToken, token.expiryMs, provider.credentials.clientID, nil, 0, &errstr, errstr.count
        )
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            provider.noteInstalled()
            logger.info(
                "OAuth token installed",
                metadata: [
                    "endpoint": "\(endpoint)", "lifetime_s": "\(token.lifetimeSeconds)",
                ])
        } else {
            let reason = "librdkafka refused the token from \(endpoint): \(RDKafkaConfig.string(errstr))"
            provider.noteRejected(reason)
            logger.error("OAuth token refused", metadata: ["error": "\(reason)"])
            _ = rd_kafka_oauthbearer_set_token_failure(rk, reason)
        }
    }
}
