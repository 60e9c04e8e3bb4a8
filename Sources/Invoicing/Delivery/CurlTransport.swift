import CCurl
package import Foundation

/// One blocking HTTP exchange through a libcurl easy handle (no shared state between calls).
///
/// Transport failures (connection refused, timeouts, resets) throw `InvoicingError` with code
/// `.transport`, which callers treat as retryable; anything else is `.delivery`.
package enum CurlTransport {
    /// libcurl's global initialisation, done once before the first handle.
    /// (`3` is CURL_GLOBAL_ALL = SSL | WIN32; the macro is not imported into Swift.)
    private static let globalInit: CURLcode = curl_global_init(3)

    /// Accumulates the response; passed to the C callbacks as an opaque pointer.
    private final class Sink {
        var body = Data()
        var headers: [String: String] = [:]
    }

    package static func perform(method: String, url: String, headers: [String], body: Data?,
                        timeoutMilliseconds: Int) throws(InvoicingError) -> HTTPResponse {
        guard globalInit == CURLE_OK else {
            throw InvoicingError(.delivery, "curl_global_init failed (\(globalInit.rawValue))")
        }
        guard let handle = curl_easy_init() else {
            throw InvoicingError(.delivery, "curl_easy_init failed")
        }
        defer { curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] {
            list = curl_slist_append(list, header)
        }
        defer { curl_slist_free_all(list) }

        let sink = Sink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        // A zero-length body still gets a real buffer (one byte, size 0) so curl has a valid pointer.
        let payload = body.flatMap { $0.isEmpty ? nil : $0 } ?? Data([0])
        let payloadSize = body?.count ?? 0
        let result: CURLcode = url.withCString { urlPointer in
            method.withCString { methodPointer in
                payload.withUnsafeBytes { raw in
                    // Every pointer handed to curl here (URL, method, body, sink) stays valid until
                    // curl_easy_perform returns inside this scope; curl does not keep them afterwards.
                    set(aura_curl_setopt_ptr(handle, CURLOPT_URL, urlPointer))
                    set(aura_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
                    set(aura_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
                    set(aura_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeoutMilliseconds, 10_000)))
                    set(aura_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, list))
                    if method == "HEAD" {
                        set(aura_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
                    } else if body != nil {
                        set(aura_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, raw.baseAddress))
                        set(aura_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payloadSize)))
                        set(aura_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, methodPointer))
                    } else if method != "GET" {
                        set(aura_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, methodPointer))
                    }
                    set(aura_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
                    set(aura_curl_setopt_write_cb(handle) { pointer, size, count, user in
                        guard let pointer, let user else { return 0 }
                        let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
                        sink.body.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: size * count)
                        return size * count
                    })
                    set(aura_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque()))
                    set(aura_curl_setopt_header_cb(handle) { pointer, size, count, user in
                        guard let pointer, let user else { return 0 }
                        let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
                        let line = String(decoding: UnsafeRawBufferPointer(start: pointer, count: size * count), as: UTF8.self)
                        if let colon = line.firstIndex(of: ":") {
                            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                            sink.headers[name] = value
                        }
                        return size * count
                    })
                    guard code == CURLE_OK else { return code }
                    return curl_easy_perform(handle)
                }
            }
        }
        guard result == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(result))
            let transient: Set<UInt32> = [CURLE_COULDNT_CONNECT.rawValue, CURLE_OPERATION_TIMEDOUT.rawValue,
                                          CURLE_SEND_ERROR.rawValue, CURLE_RECV_ERROR.rawValue, CURLE_GOT_NOTHING.rawValue,
                                          CURLE_COULDNT_RESOLVE_HOST.rawValue, CURLE_PARTIAL_FILE.rawValue]
            throw InvoicingError(transient.contains(result.rawValue) ? .transport : .delivery,
                                 "curl: \(message) (\(result.rawValue))", source: url)
        }
        var status = 0
        _ = aura_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }
}
