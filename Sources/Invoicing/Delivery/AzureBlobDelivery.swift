public import Foundation
import HTTPTransport

#if canImport(Glibc)
    import Glibc
#endif

/// Delivers invoice files to Azure Blob Storage: HTTPS PUT of a block blob through ``HTTPClient``, with
/// `If-None-Match: *` so an existing blob is never overwritten. An existing blob with the same
/// Content-MD5 counts as already delivered (idempotent by name); a different one is an error.
/// 5xx responses and transport failures (connection, timeout) are retried with exponential
/// backoff, a bounded number of times. Errors never contain the SAS token. Blocking: call off
/// the cooperative pool.
public struct AzureBlobDelivery: Sendable {
    /// e.g. `https://account.blob.core.windows.net` (or an emulator's `http://127.0.0.1:10000/devstoreaccount1`).
    public var endpoint: String
    public var container: String
    /// Prepended to every blob name (`invoices/`), may be empty.
    public var prefix: String
    public var credential: AzureCredential
    public var maxAttempts: Int
    public var initialBackoffMilliseconds: Int
    public var maxBackoffMilliseconds: Int
    public var timeoutMilliseconds: Int
    /// The `x-ms-version` sent.
    public static let apiVersion = "2021-08-06"

    public init(
        endpoint: String, container: String, prefix: String = "", credential: AzureCredential,
        maxAttempts: Int = 5, initialBackoffMilliseconds: Int = 500, maxBackoffMilliseconds: Int = 30_000,
        timeoutMilliseconds: Int = 60_000
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.container = container
        self.prefix = prefix
        self.credential = credential
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoffMilliseconds = max(0, initialBackoffMilliseconds)
        self.maxBackoffMilliseconds = max(0, maxBackoffMilliseconds)
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Uploads `data` as blob `prefix + name`.
    public func put(name: String, data: Data, contentType: String) throws(InvoicingError) -> DeliveryOutcome {
        let blobPath = "/" + container + "/" + Self.encodePath(prefix + name)
        let md5 = Digest.md5Base64(data)
        let response = try withRetries(what: "PUT \(blobPath)") { () throws(InvoicingError) -> HTTPResponse in
            try send(
                .put, blobPath: blobPath, body: data,
                headers: [
                    ("Content-Type", contentType), ("Content-MD5", md5), ("If-None-Match", "*"),
                    ("x-ms-blob-type", "BlockBlob"), ("x-ms-blob-content-md5", md5),
                ])
        }
        // Errors and outcomes name the blob without credentials in the endpoint.
        let location = HTTPTransportError.redacting(endpoint + blobPath)
        switch response.status {
        case 201, 200:
            return .delivered(location)
        case 409, 412:
            // BlobAlreadyExists / ConditionNotMet: compare the stored blob's MD5.
            let head = try withRetries(what: "HEAD \(blobPath)") { () throws(InvoicingError) -> HTTPResponse in
                try send(.head, blobPath: blobPath, body: nil, headers: [])
            }
            guard head.status == 200 else {
                throw InvoicingError(.delivery, "blob exists but HEAD returned \(head.status)", source: location)
            }
            if head.headers["content-md5"] == md5 { return .alreadyPresent(location) }
            throw InvoicingError(
                .delivery,
                "a different blob already exists (Content-MD5 \(head.headers["content-md5"] ?? "none") ≠ \(md5)); refusing to overwrite",
                source: location)
        default:
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self)
            throw InvoicingError(.delivery, "PUT returned HTTP \(response.status): \(detail)", source: location)
        }
    }

    /// Runs `attempt` until it returns a non-5xx response or the attempts are exhausted.
    private func withRetries(what: String, _ attempt: () throws(InvoicingError) -> HTTPResponse) throws(InvoicingError)
        -> HTTPResponse
    {
        var backoff = initialBackoffMilliseconds
        var lastFailure = ""
        for number in 1...maxAttempts {
            do {
                let response = try attempt()
                if response.status < 500 { return response }
                lastFailure = "HTTP \(response.status)"
            } catch  where error.code == .transport {
                lastFailure = error.message
            }
            if number < maxAttempts {
                usleep(useconds_t(min(backoff, maxBackoffMilliseconds)) * 1000)
                backoff = min(maxBackoffMilliseconds, max(1, backoff * 2))
            }
        }
        throw InvoicingError(
            .delivery, "\(what) failed after \(maxAttempts) attempts: \(lastFailure)",
            source: HTTPTransportError.redacting(endpoint))
    }

    private func send(_ method: HTTPMethod, blobPath: String, body: Data?, headers: [(String, String)])
        throws(InvoicingError) -> HTTPResponse
    {
        var all = headers
        all.append(("x-ms-date", Self.rfc1123(Date())))
        all.append(("x-ms-version", Self.apiVersion))
        if let body { all.append(("Content-Length", String(body.count))) }
        var url = endpoint + blobPath
        switch credential {
        case .sas(let token):
            let query = token.hasPrefix("?") ? String(token.dropFirst()) : token
            if !query.isEmpty { url += "?" + query }
        case .sharedKey(let account, let key):
            let signer = try AzureSharedKey(account: account, base64Key: key)
            let path = (URLComponents(string: endpoint)?.percentEncodedPath ?? "") + blobPath
            all.append(
                ("Authorization", signer.authorization(method: method.rawValue, path: path, query: [], headers: all)))
        }
        let client = HTTPClient(
            connectTimeout: .milliseconds(min(timeoutMilliseconds, 10_000)),
            timeout: .milliseconds(timeoutMilliseconds))
        do {
            return try client.send(method, url, headers: all, body: body.map(Array.init))
        } catch {
            // Retryable failures become `.transport`, which `withRetries` retries; the source is
            // the URL without its query (the SAS token).
            throw InvoicingError(error.isRetryable ? .transport : .delivery, error.message, source: error.source)
        }
    }

    /// Percent-encodes each path segment (keeps `/`).
    static func encodePath(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// `Tue, 25 Nov 2026 17:00:00 GMT`.
    static func rfc1123(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
