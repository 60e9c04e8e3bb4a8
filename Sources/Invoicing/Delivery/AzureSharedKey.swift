import Crypto
import Foundation

/// Azure Storage "Authorize with Shared Key" for the Blob service (version 2015-02-21 and later):
/// builds the string to sign and the `Authorization: SharedKey account:signature` header.
package struct AzureSharedKey: Sendable {
    package let account: String
    /// The decoded access key (SymmetricKey is built per signature: it is not Sendable).
    let key: Data

    /// `base64Key` is the account access key as shown in the portal.
    package init(account: String, base64Key: String) throws(InvoicingError) {
        guard let bytes = Data(base64Encoded: base64Key) else {
            throw InvoicingError(.delivery, "the Shared Key access key is not base64", source: account)
        }
        self.account = account
        self.key = bytes
    }

    /// The string to sign for a request.
    ///
    /// - `path`: the URL path as sent (percent-encoded), starting with `/`.
    /// - `query`: decoded query parameters.
    /// - `headers`: all request headers (any case); standard ones and `x-ms-*` are taken from here.
    package static func stringToSign(
        method: String, path: String, query: [(String, String)],
        headers: [(String, String)], account: String
    ) -> String {
        var lower: [String: String] = [:]
        for (name, value) in headers { lower[name.lowercased()] = value }
        func header(_ name: String) -> String { lower[name] ?? "" }
        let contentLength = header("content-length") == "0" ? "" : header("content-length")
        var lines = [
            method.uppercased(), header("content-encoding"), header("content-language"), contentLength,
            header("content-md5"), header("content-type"), header("date"), header("if-modified-since"),
            header("if-match"), header("if-none-match"), header("if-unmodified-since"), header("range"),
        ]
        let msHeaders = lower.filter { $0.key.hasPrefix("x-ms-") }.sorted { $0.key < $1.key }
        for (name, value) in msHeaders {
            lines.append("\(name):\(value.trimmingCharacters(in: .whitespaces))")
        }
        var resource = "/\(account)\(path)"
        var parameters: [String: [String]] = [:]
        for (name, value) in query { parameters[name.lowercased(), default: []].append(value) }
        for (name, values) in parameters.sorted(by: { $0.key < $1.key }) {
            resource += "\n\(name):\(values.sorted().joined(separator: ","))"
        }
        lines.append(resource)
        return lines.joined(separator: "\n")
    }

    /// Base64 HMAC-SHA256 of `stringToSign` with the account key.
    package func signature(_ stringToSign: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: key)))
            .base64EncodedString()
    }

    /// The `Authorization` header value for a request.
    package func authorization(method: String, path: String, query: [(String, String)], headers: [(String, String)])
        -> String
    {
        let text = Self.stringToSign(method: method, path: path, query: query, headers: headers, account: account)
        return "SharedKey \(account):\(signature(text))"
    }
}
