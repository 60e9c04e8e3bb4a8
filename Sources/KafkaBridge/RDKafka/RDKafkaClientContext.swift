internal import CRdKafka
import Synchronization

/// What librdkafka's C callbacks need from Swift, reachable through the handle's opaque pointer.
///
/// The client retains one context (`Unmanaged.passRetained`) for the whole life of its
/// `rd_kafka_t` and releases it only after `rd_kafka_destroy` has returned, so callbacks never
/// see a dangling pointer.
final class RDKafkaClientContext: Sendable {
    let log: RDKafkaLog
    /// Set by the consumer: called on the polling thread from within `rd_kafka_consumer_poll`.
    let rebalance: Mutex<RebalanceHandler?>
    /// Answers librdkafka's SASL/OAUTHBEARER token refreshes (`RDKafkaOAuthBearer`); nil when
    /// the client does not use OAUTHBEARER.
    let tokenProvider: OAuthTokenFetcher?
    /// Set by the error callback when librdkafka reports that every broker connection is down;
    /// cleared by a successful broker round trip (`KafkaConsumer.probeBrokers`).
    let allBrokersDown = Atomic<Bool>(false)

    init(log: RDKafkaLog, tokenProvider: OAuthTokenFetcher? = nil) {
        self.log = log
        self.rebalance = Mutex(nil)
        self.tokenProvider = tokenProvider
    }
}
