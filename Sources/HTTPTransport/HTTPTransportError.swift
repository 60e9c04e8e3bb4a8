/// The one error type of the HTTP transport: a request that produced no HTTP response.
///
/// An HTTP response of any status is not an error here: callers decide what a 404 or a 503
/// means. `source` is the request's URL with its query string and any user information replaced
/// by `[redacted]`, so SAS tokens (`sig=…`) and passwords never reach logs; messages never
/// contain the URL.
package struct HTTPTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as an extensible set of codes.
    /// Raw values are kebab-case in every module: they become quarantine reasons and metric labels.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }
    }

    package var code: Code
    package var message: String
    /// The redacted URL of the request (see ``redacting(_:)``).
    package var source: String?

    /// - Parameter url: the request's URL, redacted here before it is stored.
    package init(_ code: Code, _ message: String, url: String? = nil) {
        self.code = code
        self.message = message
        self.source = url.map(Self.redacting)
    }

    /// True for failures a retry may cure: a connection that failed or broke, a timeout.
    package var isRetryable: Bool { code == .transport || code == .timeout }

    package var description: String {
        source.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }
}
