/// A response received through ``HTTPClient``: any status, 4xx and 5xx included.
package struct HTTPResponse: Sendable {
    /// The HTTP status code of the last response (after redirects, when followed).
    package var status: Int
    /// Header names lower-cased; the last value wins.
    package var headers: [String: String]
    /// The body; empty for HEAD.
    package var body: [UInt8]

    package init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
