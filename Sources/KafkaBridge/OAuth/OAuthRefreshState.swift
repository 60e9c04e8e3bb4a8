/// Backoff and bookkeeping of token requests: a value-type state machine kept behind the
/// fetcher's `Mutex`; it decides, the fetcher acts.
///
/// After a failure, requests within the backoff window fail fast without touching the endpoint:
/// 5 s after the first consecutive failure, doubling per further failure up to 60 s. A success
/// resets the window. librdkafka retries a failed refresh on its own (every 10 s), so the
/// window is what keeps a broken endpoint from being hammered by several clients.
package struct OAuthRefreshState: Sendable {
    /// The window after the first failure.
    package static let initialBackoff: Duration = .seconds(5)
    /// The longest window.
    package static let maximumBackoff: Duration = .seconds(60)

    /// What the fetcher should do with a refresh request.
    package enum Action: Equatable, Sendable {
        /// Send the request.
        case request
        /// Do not: the previous request failed less than the backoff window ago.
        case failFast(retryIn: Duration, lastError: String)
    }

    /// Failures since the last success.
    private(set) var consecutiveFailures = 0
    /// Until when requests fail fast (monotonic clock); nil when not backing off.
    private(set) var retryAt: ContinuousClock.Instant?
    /// The last failure's description (never contains the secret).
    private(set) var lastError: String?
    /// Requests sent to the endpoint.
    private(set) var requests = 0
    /// Refresh requests refused by the backoff window.
    private(set) var failedFast = 0
    /// Tokens librdkafka accepted (`rd_kafka_oauthbearer_set_token` returned no error).
    private(set) var installed = 0
    /// Tokens fetched but refused by librdkafka.
    private(set) var rejected = 0

    /// Decides whether a refresh at `now` may send a request; counts it either way.
    package mutating func begin(now: ContinuousClock.Instant) -> Action {
        if let retryAt, now < retryAt {
            failedFast += 1
            return .failFast(retryIn: retryAt - now, lastError: lastError ?? "")
        }
        requests += 1
        return .request
    }

    /// The request succeeded: the backoff window closes.
    package mutating func succeeded() {
        consecutiveFailures = 0
        retryAt = nil
    }

    /// The request failed at `now`: the window opens (or widens).
    package mutating func failed(_ error: String, now: ContinuousClock.Instant) {
        consecutiveFailures += 1
        lastError = error
        retryAt = now + Self.backoff(afterFailures: consecutiveFailures)
    }

    /// librdkafka accepted a token.
    package mutating func tokenInstalled() {
        installed += 1
    }

    /// librdkafka refused a fetched token; treated as a failure for the backoff.
    package mutating func tokenRejected(_ error: String, now: ContinuousClock.Instant) {
        rejected += 1
        failed(error, now: now)
    }

    /// The fail-fast window after `failures` consecutive failures (≥ 1): 5 s · 2^(failures−1),
    /// at most 60 s.
    package static func backoff(afterFailures failures: Int) -> Duration {
        var window = initialBackoff
        var n = 1
        while n < failures && window < maximumBackoff {
            window *= 2
            n += 1
        }
        return min(window, maximumBackoff)
    }
}
