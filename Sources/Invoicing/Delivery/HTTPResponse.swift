package import Foundation

/// A response received through ``CurlTransport``.
package struct HTTPResponse: Sendable {
    package var status: Int
    /// Header names lower-cased; the last value wins.
    package var headers: [String: String]
    package var body: Data
}
