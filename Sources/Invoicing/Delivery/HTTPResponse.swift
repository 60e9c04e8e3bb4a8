import Foundation

/// A response received through ``CurlTransport``.
struct HTTPResponse: Sendable {
    var status: Int
    /// Header names lower-cased; the last value wins.
    var headers: [String: String]
    var body: Data
}
