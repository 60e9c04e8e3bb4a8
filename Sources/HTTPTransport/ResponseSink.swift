/// Collects one response from libcurl's write and header callbacks, which receive it as an
/// opaque pointer (see `CurlTransfer`). Touched only by the thread running the transfer.
final class ResponseSink {
    /// The largest body accepted; a larger one stops the transfer and sets `overflow`.
    let limit: Int
    var body: [UInt8] = []
    /// Header names lower-cased; the last value wins. Reset at each status line, so after
    /// redirects only the final response's headers remain.
    var headers: [String: String] = [:]
    /// Set when the body would have grown past `limit`.
    var overflow = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends a chunk of the body; false (stop the transfer) when it would exceed `limit`.
    func appendBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard body.count + chunk.count <= limit else {
            overflow = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Records one header line (`Name: value\r\n`); a status line (`HTTP/…`) starts a new response.
    func appendHeaderLine(_ line: UnsafeRawBufferPointer) {
        let bytes = Array(line)
        if bytes.starts(with: Array("HTTP/".utf8)) {
            headers = [:]
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: Self.trimmed(bytes[..<colon]), as: UTF8.self).lowercased()
        let value = String(decoding: Self.trimmed(bytes[(colon + 1)...]), as: UTF8.self)
        if !name.isEmpty { headers[name] = value }
    }

    /// `bytes` without leading and trailing spaces, tabs, CR and LF.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) })
        else {
            return []
        }
        return bytes[first...last]
    }
}
