import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback stand-in for the Azure Blob service's Put Blob / Get Blob Properties (what
/// `AzureBlobDelivery` uses), whose behaviour the test switches while it runs: accept (store the
/// blob, 201; an existing one answers 409 and HEAD gives its Content-MD5), stall (hold every
/// request until the mode changes), or refuse (403, like a revoked SAS token). One thread per
/// connection, so a held request does not stop the server.
final class BlobServer: Sendable {
    enum Mode: Sendable {
        case accept
        case stall
        case refuse
    }

    private struct State {
        var mode = Mode.accept
        /// Blob path (without query) → Content-MD5.
        var blobs: [String: String] = [:]
        /// Requests being held right now.
        var held = 0
        /// Requests answered 403.
        var refused = 0
        var stopping = false
    }

    let port: UInt16
    private let socket: Int32
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TinyHTTPServer.Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TinyHTTPServer.Failure(description: "bind/listen failed")
        }
        socket = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// `http://127.0.0.1:<port>` (the endpoint; blobs are `/<container>/<name>`).
    var endpoint: String { "http://127.0.0.1:\(port)" }

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// Paths of the stored blobs, sorted.
    var blobs: [String] { state.withLock { $0.blobs.keys.sorted() } }
    /// Requests held right now (stall mode).
    var held: Int { state.withLock { $0.held } }
    /// Requests refused so far (refuse mode).
    var refused: Int { state.withLock { $0.refused } }

    /// Releases held requests (answered as in accept mode), stops accepting and waits for the
    /// listening thread to exit.
    func stop() {
        state.withLock {
            $0.stopping = true
            if $0.mode == .stall { $0.mode = .accept }
        }
        shutdown(socket, Int32(SHUT_RDWR))
        finished.wait()
    }

    private func serve() {
        defer {
            close(socket)
            finished.signal()
        }
        while true {
            let client = accept(socket, nil, nil)
            if client < 0 { return }
            Thread { [self] in self.handle(client) }.start()
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        let (method, target, headers) = Self.readHead(client)
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        // Stall: hold the request (the server's own behaviour, not a test's synchronisation).
        state.withLock { $0.held += 1 }
        while state.withLock({ $0.mode == .stall && !$0.stopping }) { usleep(10_000) }
        let (status, extra) = state.withLock { s -> (Int, [(String, String)]) in
            s.held -= 1
            if s.mode == .refuse {
                s.refused += 1
                return (403, [])
            }
            switch method {
            case "PUT":
                if s.blobs[path] != nil { return (409, []) }
                s.blobs[path] = headers["content-md5"] ?? ""
                return (201, [])
            case "HEAD":
                guard let md5 = s.blobs[path] else { return (404, []) }
                return (200, [("Content-MD5", md5)])
            default:
                return (405, [])
            }
        }
        var head = "HTTP/1.1 \(status) Status\r\n"
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        head += "Content-Length: 0\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8)
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one request (head and `Content-Length` bytes of body): method, target, headers.
    private static func readHead(_ client: Int32) -> (String, String, [String: String]) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected = Int.max
        var fields: [String: String] = [:]
        while bytes.count < expected {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if headEnd == nil, let range = bytes.firstRange(of: separator) {
                headEnd = range.upperBound
                for line in String(decoding: bytes[..<range.lowerBound], as: UTF8.self).split(separator: "\r\n")
                    .dropFirst()
                {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    fields[line[..<colon].lowercased()] =
                        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                expected = range.upperBound + (fields["content-length"].flatMap { Int($0) } ?? 0)
            }
        }
        let requestLine = String(decoding: bytes.prefix(while: { $0 != 13 }), as: UTF8.self).split(separator: " ")
        let method = requestLine.first.map(String.init) ?? ""
        let target = requestLine.count > 1 ? String(requestLine[1]) : ""
        return (method, target, fields)
    }
}
