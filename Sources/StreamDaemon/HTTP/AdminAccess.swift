/// Whether `POST /admin/close` is enabled, decided once at start from `admin.token_file`.
///
/// Disabled (the endpoint answers 403) when the key is not set or the file holds nothing but
/// whitespace: an empty token must never be one a request can match. A configured file that
/// cannot be read is a start-up error (`Daemon.secret`), not a silently disabled endpoint.
package enum AdminAccess: Sendable, Equatable {
    /// Requests must carry `Authorization: Bearer <token>`; the token is never empty.
    case enabled(token: String)
    /// The endpoint answers 403; the reason is logged once at start.
    case disabled(reason: String)

    /// Reads `admin.token_file` (trimmed, like every secret file).
    /// - Throws: `DaemonError(.configuration)` when the file is configured but cannot be read.
    package init(tokenFile: String?) throws {
        guard let tokenFile, !tokenFile.isEmpty else {
            self = .disabled(reason: "admin.token_file is not set")
            return
        }
        guard let token = try Daemon.secret(tokenFile), !token.isEmpty else {
            self = .disabled(reason: "the admin token file is empty (\(tokenFile))")
            return
        }
        self = .enabled(token: token)
    }

    /// The bearer token, nil when disabled.
    package var token: String? {
        if case .enabled(let token) = self { return token }
        return nil
    }
}
