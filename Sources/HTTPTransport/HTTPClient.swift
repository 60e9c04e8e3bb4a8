/// The project's one HTTP client: small, blocking, over libcurl. The schema registry client, the
/// OAuth token fetcher, Azure blob delivery and `aura-billing close` all send through it.
///
/// Every request uses its own libcurl easy handle, so a client value may be used from any
/// thread at once. Only `http` and `https` URLs are allowed; redirects are followed only when
/// `followRedirects` is set (never for requests carrying credentials that must not travel on).
/// A response body over `maxResponseBytes` fails with `.tooLarge`.
///
/// Blocking: call it from a dedicated thread or through `Blocking.run`, never on the
/// cooperative pool.
package struct HTTPClient: Sendable {
    /// How long establishing the connection (TCP and TLS) may take.
    package var connectTimeout: Duration
    /// How long the whole request may take, connection included.
    package var timeout: Duration
    /// The largest response body accepted.
    package var maxResponseBytes: Int
    /// Whether 3xx responses are followed (to http(s) URLs only).
    package var followRedirects: Bool

    package init(
        connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(60),
        maxResponseBytes: Int = 16 << 20, followRedirects: Bool = false
    ) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
    }

    /// `GET url`.
    package func get(_ url: String, headers: [(String, String)] = []) throws(HTTPTransportError) -> HTTPResponse {
        try send(.get, url, headers: headers, body: nil)
    }

    /// `HEAD url`: the status and headers, no body.
    package func head(_ url: String, headers: [(String, String)] = []) throws(HTTPTransportError) -> HTTPResponse {
        try send(.head, url, headers: headers, body: nil)
    }

    /// `POST url` with `body` (sent with its `Content-Length`, even when empty).
    package func post(_ url: String, headers: [(String, String)] = [], body: [UInt8]) throws(HTTPTransportError)
        -> HTTPResponse
    {
        try send(.post, url, headers: headers, body: body)
    }

    /// `PUT url` with `body` (sent with its `Content-Length`, even when empty).
    package func put(_ url: String, headers: [(String, String)] = [], body: [UInt8]) throws(HTTPTransportError)
        -> HTTPResponse
    {
        try send(.put, url, headers: headers, body: body)
    }

    /// One request: `headers` are (name, value) pairs sent as given; `body` is sent for POST
    /// and PUT (nil means empty) and ignored for GET and HEAD.
    package func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)],
        body: [UInt8]?
    ) throws(HTTPTransportError) -> HTTPResponse {
        let payload: [UInt8]? =
            switch method {
            case .get, .head: nil
            case .post, .put: body ?? []
            }
        return try CurlTransfer(client: self, method: method, url: url, headers: headers, body: payload).perform()
    }
}
