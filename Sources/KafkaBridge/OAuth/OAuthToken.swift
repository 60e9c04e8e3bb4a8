/// An access token from the token endpoint, ready for `rd_kafka_oauthbearer_set_token`.
///
/// `description` does not show the token value: a bearer token is a credential.
package struct OAuthToken: Sendable, Equatable, CustomStringConvertible {
    /// The bearer token (often a JWT); opaque to the daemon.
    package var accessToken: String
    /// Lifetime granted by the endpoint (`expires_in`), in seconds.
    package var lifetimeSeconds: Int64
    /// When the token expires, in milliseconds since the Unix epoch (librdkafka's
    /// `md_lifetime_ms`): the request's start time plus `lifetimeSeconds`, so it errs early.
    package var expiryMs: Int64

    package var description: String {
        "OAuthToken(\(accessToken.utf8.count) bytes, expires in \(lifetimeSeconds) s at \(expiryMs) ms)"
    }
}
