/// Where and as whom the daemon asks for OAuth access tokens (client-credentials grant,
/// RFC 6749 §4.4): `kafka.security.oauth.*` in the configuration.
///
/// Holds the *path* of the client secret, never the secret: it is read from the file for each
/// token request (so a rotated credential is picked up) and never logged.
package struct OAuthClientCredentials: Sendable, Equatable {
    /// The token endpoint, `https://…` (plain `http://` only for local tests).
    package var tokenEndpoint: String
    /// The client id: sent as the HTTP Basic user name and used as the Kafka principal name.
    package var clientID: String
    /// File holding the client secret (e.g. a systemd credential); one trailing newline is ignored.
    package var clientSecretFile: String
    /// Space-separated scopes, e.g. `data:Aura_Audit:read`; omitted from the request when nil/empty.
    package var scope: String?
    /// Time allowed to establish the connection.
    package var connectTimeoutSeconds: Int = 10
    /// Time allowed for the whole request.
    package var requestTimeoutSeconds: Int = 30

    package init(
        tokenEndpoint: String, clientID: String, clientSecretFile: String, scope: String? = nil,
        connectTimeoutSeconds: Int = 10, requestTimeoutSeconds: Int = 30
    ) {
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.clientSecretFile = clientSecretFile
        self.scope = scope
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }
}
