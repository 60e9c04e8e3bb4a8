import CCurl

/// One blocking exchange through its own libcurl easy handle: the only code in the project that
/// calls libcurl.
struct CurlTransfer {
    /// libcurl's global initialisation, done exactly once before the first handle: a static
    /// `let` is initialised lazily and thread-safely (`swift_once`), so concurrent first
    /// requests cannot race it. (`3` is CURL_GLOBAL_ALL = SSL | WIN32; the macro is not
    /// imported into Swift.)
    private static let globalInit: CURLcode = curl_global_init(3)

    let client: HTTPClient
    let method: HTTPMethod
    let url: String
    let headers: [(String, String)]
    /// Sent for POST and PUT (possibly empty); nil for GET and HEAD.
    let body: [UInt8]?

    func perform() throws(HTTPTransportError) -> HTTPResponse {
        guard Self.globalInit == CURLE_OK else {
            throw HTTPTransportError(.request, "curl_global_init failed (\(Self.globalInit.rawValue))", url: url)
        }
        guard let handle = curl_easy_init() else {
            throw HTTPTransportError(.request, "curl_easy_init failed", url: url)
        }
        defer { curl_easy_cleanup(handle) }
        // The list must outlive the transfer; it is freed after curl_easy_cleanup (defers run
        // in reverse order). "Expect:" turns off the 100-continue round trip for bodies.
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for line in headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] {
            guard let appended = curl_slist_append(list, line) else {
                throw HTTPTransportError(.request, "curl_slist_append failed", url: url)
            }
            list = appended
        }
        // libcurl writes a detailed message here; valid until the deallocation below, which runs
        // after curl_easy_cleanup.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        let sink = ResponseSink(limit: client.maxResponseBytes)
        // A zero-length body still gets a real buffer (one byte, size 0) so curl has a valid pointer.
        let payload = body.flatMap { $0.isEmpty ? nil : $0 } ?? [0]
        let result: CURLcode = withExtendedLifetime(sink) {
            payload.withUnsafeBytes { raw in
                // Every pointer handed to curl here (body, sink, header list, error buffer) stays
                // valid until curl_easy_perform returns inside this scope; string options are
                // copied by libcurl, and nothing is used by curl after perform.
                let code = configure(
                    handle, headers: list, errorBuffer: errorBuffer,
                    sink: Unmanaged.passUnretained(sink).toOpaque(), body: raw)
                guard code == CURLE_OK else { return code }
                return curl_easy_perform(handle)
            }
        }
        guard result == CURLE_OK else {
            throw failure(result, detail: String(cString: errorBuffer), overflow: sink.overflow)
        }
        var status = 0
        _ = aura_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// Sets every option of the transfer; the first failing option's code, or CURLE_OK.
    private func configure(
        _ handle: UnsafeMutableRawPointer, headers: UnsafeMutablePointer<curl_slist>?,
        errorBuffer: UnsafeMutablePointer<CChar>, sink: UnsafeMutableRawPointer,
        body: UnsafeRawBufferPointer
    ) -> CURLcode {
        var code = CURLE_OK
        func set(_ result: @autoclosure () -> CURLcode) { if code == CURLE_OK { code = result() } }
        set(url.withCString { aura_curl_setopt_ptr(handle, CURLOPT_URL, $0) })
        set(aura_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(aura_curl_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(aura_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(aura_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(client.connectTimeout)))
        set(aura_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(client.timeout)))
        set(aura_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, client.followRedirects ? 1 : 0))
        if client.followRedirects {
            set(aura_curl_setopt_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        }
        set(aura_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headers))
        switch method {
        case .get:
            break
        case .head:
            set(aura_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
        case .post, .put:
            set(aura_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress))
            set(aura_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(self.body?.count ?? 0)))
            set(method.rawValue.withCString { aura_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, $0) })
        }
        set(aura_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, sink))
        set(
            aura_curl_setopt_write_cb(handle) { pointer, size, count, user in
                guard let user else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                let chunk = UnsafeRawBufferPointer(start: pointer, count: size * count)
                return sink.appendBody(chunk) ? size * count : 0
            })
        set(aura_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, sink))
        set(
            aura_curl_setopt_header_cb(handle) { pointer, size, count, user in
                guard let user else { return 0 }
                let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
                sink.appendHeaderLine(UnsafeRawBufferPointer(start: pointer, count: size * count))
                return size * count
            })
        return code
    }

    /// The error for a failed `curl_easy_perform`: its code by kind, libcurl's message and
    /// detail, never the URL's query string.
    private func failure(_ result: CURLcode, detail: String, overflow: Bool) -> HTTPTransportError {
        if overflow {
            return HTTPTransportError(.tooLarge, "response larger than \(client.maxResponseBytes) bytes", url: url)
        }
        let code: HTTPTransportError.Code =
            switch result {
            case CURLE_OPERATION_TIMEDOUT:
                .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
                CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
                .transport
            default:
                .request
            }
        let reason = String(cString: curl_easy_strerror(result))
        var message = "curl: \(reason) (\(result.rawValue))"
        if !detail.isEmpty && detail != reason { message += ": " + scrubbed(detail) }
        return HTTPTransportError(code, message, url: url)
    }

    /// `text` with the URL's query string and user information, should libcurl quote them,
    /// replaced by `[redacted]`.
    private func scrubbed(_ text: String) -> String {
        let redacted = HTTPTransportError.redacting(url)
        var out = text.replacing(url, with: redacted)
        if let mark = url.firstIndex(of: "?") {
            let query = url[url.index(after: mark)...].prefix { $0 != "#" }
            if !query.isEmpty { out = out.replacing(query, with: "[redacted]") }
        }
        return out
    }

    /// A duration in whole milliseconds for libcurl, at least 1 (0 would mean "no timeout").
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        guard !ms.overflow else { return Int.max }
        return max(1, Int(ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}
