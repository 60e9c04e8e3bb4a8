extension HTTPTransportError.Code {
    /// The connection could not be made or broke: refused, reset, name not resolved, nothing or
    /// only part of a response received. A retry may cure it.
    package static let transport = Self("transport")
    /// The connect timeout or the whole-request timeout elapsed. A retry may cure it.
    package static let timeout = Self("timeout")
    /// The response body is larger than the client's `maxResponseBytes`.
    package static let tooLarge = Self("too-large")
    /// The request could not be made at all: libcurl could not be initialised, the URL is
    /// malformed or not http(s), TLS failed, or another libcurl failure a retry will not cure.
    package static let request = Self("request")
}
