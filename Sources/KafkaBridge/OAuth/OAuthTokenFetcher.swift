import Foundation
import HTTPTransport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches OAuth access tokens with the client-credentials grant (RFC 6749 §4.4) through
/// ``HTTPClient``, for SASL/OAUTHBEARER (Debian's librdkafka 2.0.2 has no built-in OIDC support).
///
/// Request: `POST token_endpoint`, `Content-Type: application/x-www-form-urlencoded`, body
/// `grant_type=client_credentials&scope=…`, HTTP Basic auth with the client id and the secret
/// read from `clientSecretFile`; no redirects are followed (they would carry the credentials
/// elsewhere). Response: JSON `{"access_token", "token_type": "Bearer", "expires_in"}`.
///
/// The API is blocking: it runs on librdkafka's polling thread (inside the token-refresh
/// callback, see `RDKafkaOAuthBearer`), never on the cooperative pool. Refreshing before expiry
/// is librdkafka's job: it calls the callback again at 80 % of the token's lifetime. This type
/// adds a fail-fast backoff after failures (`OAuthRefreshState`).
///
/// The secret is never logged and never part of an error: error messages name the endpoint,
/// the HTTP status and the endpoint's own `error`/`error_description`, with any echo of the
/// secret removed.
package final class OAuthTokenFetcher: Sendable {
    /// Largest response body accepted.
    package static let maxResponseBytes = 1 << 20
    /// Largest secret file accepted.
    package static let maxSecretBytes = 64 << 10

    package let credentials: OAuthClientCredentials
    private let state = Mutex(OAuthRefreshState())

    /// Checks the credentials' shape (the secret file is read only when a token is requested).
    package init(credentials: OAuthClientCredentials) throws(KafkaError) {
        let url = credentials.tokenEndpoint
        // Errors name the endpoint without query string or user information.
        let endpoint = HTTPTransportError.redacting(url)
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw KafkaError(.configuration, "the OAuth token endpoint must be an https URL", source: endpoint)
        }
        // The client secret travels in the request: cleartext HTTP only to this machine.
        if url.hasPrefix("http://") && !Self.isLoopback(url) {
            throw KafkaError(
                .configuration, "the OAuth token endpoint must use https (http only on loopback)", source: endpoint)
        }
        guard !credentials.clientID.isEmpty else {
            throw KafkaError(.configuration, "the OAuth client id is empty", source: endpoint)
        }
        guard credentials.connectTimeoutSeconds > 0, credentials.requestTimeoutSeconds > 0 else {
            throw KafkaError(.configuration, "OAuth timeouts must be positive", source: endpoint)
        }
        self.credentials = credentials
    }

    /// True when the URL's host is `localhost`, `127.x.x.x` or `[::1]`.
    package static func isLoopback(_ url: String) -> Bool {
        guard let schemeEnd = url.range(of: "://") else { return false }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        let host: Substring
        if hostPort.hasPrefix("[") {
            host = hostPort.dropFirst().prefix { $0 != "]" }
        } else {
            host = hostPort.prefix { $0 != ":" }
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        let loopbackIPv4 = octets.count == 4 && !octets.contains(nil) && octets[0] == 127
        return host.lowercased() == "localhost" || loopbackIPv4 || host == "::1"
    }

    /// The token endpoint as errors name it: without query string or user information.
    var redactedEndpoint: String { HTTPTransportError.redacting(credentials.tokenEndpoint) }

    /// A snapshot of the backoff state and counters.
    package var status: OAuthRefreshState {
        state.withLock { $0 }
    }

    /// A token for librdkafka's refresh callback: fails fast (`.oauthBackoff`) within the
    /// backoff window after a failure, otherwise requests one (`fetchToken()`).
    package func refreshToken() throws(KafkaError) -> OAuthToken {
        let action = state.withLock { $0.begin(now: .now) }
        if case .failFast(let retryIn, let lastError) = action {
            let seconds = retryIn.components.seconds + (retryIn.components.attoseconds > 0 ? 1 : 0)
            throw KafkaError(
                .oauthBackoff,
                "not requesting a token for another \(seconds) s after a failure: \(lastError)",
                source: redactedEndpoint
            )
        }
        do {
            let token = try fetchToken()
            state.withLock { $0.succeeded() }
            return token
        } catch {
            state.withLock { $0.failed(error.description, now: .now) }
            throw error
        }
    }

    /// Records that librdkafka accepted a token from `refreshToken()`.
    package func noteInstalled() {
        state.withLock { $0.tokenInstalled() }
    }

    /// Records that librdkafka refused a token from `refreshToken()` (counts as a failure).
    package func noteRejected(_ reason: String) {
        state.withLock { $0.tokenRejected(reason, now: .now) }
    }

    /// Requests one token, ignoring the backoff window. Blocking.
    package func fetchToken() throws(KafkaError) -> OAuthToken {
        let secret = try readSecret()
        let endpoint = redactedEndpoint
        // Expiry counts from before the request, so it errs early.
        let startMs = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let (status, body) = try post(body: formBody(), secret: secret)
        guard status == 200 else {
            var message = "token endpoint answered HTTP \(status)"
            if let detail = Self.errorDetail(body) { message += ": \(detail)" }
            throw KafkaError(.oauthToken, redact(message, secret: secret), source: endpoint)
        }
        return try Self.parseToken(body, startMs: startMs, endpoint: endpoint)
    }

    // MARK: request

    /// `grant_type=client_credentials[&scope=…]`, form-encoded.
    package func formBody() -> String {
        var body = "grant_type=client_credentials"
        if let scope = credentials.scope, !scope.isEmpty {
            body += "&scope=" + Self.formEncode(scope)
        }
        return body
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (valid form encoding).
    package static func formEncode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }

    /// One blocking POST through ``HTTPClient``, never following redirects (they would carry the
    /// credentials elsewhere); returns the HTTP status and the body.
    private func post(body: String, secret: String) throws(KafkaError) -> (Int, [UInt8]) {
        let client = HTTPClient(
            connectTimeout: .seconds(credentials.connectTimeoutSeconds),
            timeout: .seconds(credentials.requestTimeoutSeconds),
            maxResponseBytes: Self.maxResponseBytes,
            followRedirects: false
        )
        let basic = Data("\(credentials.clientID):\(secret)".utf8).base64EncodedString()
        do {
            let response = try client.post(
                credentials.tokenEndpoint,
                headers: [
                    ("Accept", "application/json"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Authorization", "Basic \(basic)"),
                ], body: Array(body.utf8))
            return (response.status, response.body)
        } catch {
            throw KafkaError(
                .oauthToken, redact("token request failed: \(error.message)", secret: secret),
                source: redactedEndpoint)
        }
    }

    // MARK: secret

    /// Reads the client secret; one trailing `\n` (or `\r\n`) is dropped.
    private func readSecret() throws(KafkaError) -> String {
        let path = credentials.clientSecretFile
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KafkaError(
                .oauthCredentials, "cannot open the OAuth client secret file: \(String(cString: strerror(errno)))",
                source: path)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KafkaError(
                    .oauthCredentials, "cannot read the OAuth client secret file: \(String(cString: strerror(errno)))",
                    source: path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= Self.maxSecretBytes else {
                throw KafkaError(
                    .oauthCredentials, "the OAuth client secret file is larger than \(Self.maxSecretBytes) bytes",
                    source: path)
            }
        }
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty else {
            throw KafkaError(.oauthCredentials, "the OAuth client secret file is empty", source: path)
        }
        guard let secret = String(validating: bytes, as: UTF8.self), !secret.utf8.contains(0) else {
            throw KafkaError(
                .oauthCredentials, "the OAuth client secret file is not UTF-8 text without NUL bytes", source: path)
        }
        return secret
    }

    /// Removes the secret, and the Basic credentials it is part of, from text meant for errors.
    private func redact(_ text: String, secret: String) -> String {
        let basic = Data("\(credentials.clientID):\(secret)".utf8).base64EncodedString()
        return
            text
            .replacingOccurrences(of: secret, with: "[redacted]")
            .replacingOccurrences(of: basic, with: "[redacted]")
    }

    // MARK: response

    /// `error` and `error_description` of an RFC 6749 §5.2 error response, if the body is one.
    package static func errorDetail(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        let parts = [object["error"] as? String, object["error_description"] as? String].compactMap { $0 }
        guard !parts.isEmpty else { return nil }
        let text = parts.joined(separator: ": ")
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    /// Parses a successful token response; `startMs` is when the request started.
    package static func parseToken(_ body: [UInt8], startMs: Int64, endpoint: String) throws(KafkaError) -> OAuthToken {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw KafkaError(.oauthResponse, "token response is not JSON (\(body.count) bytes)", source: endpoint)
        }
        guard let object = json as? [String: Any] else {
            throw KafkaError(.oauthResponse, "token response is not a JSON object", source: endpoint)
        }
        guard let token = object["access_token"] as? String, !token.isEmpty else {
            throw KafkaError(.oauthResponse, "token response has no \"access_token\" string", source: endpoint)
        }
        guard let type = object["token_type"] as? String else {
            throw KafkaError(.oauthResponse, "token response has no \"token_type\" string", source: endpoint)
        }
        guard type.lowercased() == "bearer" else {
            throw KafkaError(
                .oauthResponse, "token response has token_type \"\(type)\", not \"Bearer\"", source: endpoint)
        }
        // A number, or (some identity providers) a decimal string.
        let lifetime: Int64?
        switch object["expires_in"] {
        case let number as NSNumber:
            lifetime = number.int64Value
        case let text as String:
            lifetime = Int64(text)
        default:
            lifetime = nil
        }
        guard let lifetime, lifetime > 0, lifetime <= 366 * 86_400 else {
            throw KafkaError(
                .oauthResponse, "token response has no positive \"expires_in\" (seconds)", source: endpoint)
        }
        return OAuthToken(accessToken: token, lifetimeSeconds: lifetime, expiryMs: startMs + lifetime * 1000)
    }
}
