import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal blocking HTTP/1.1 server on 127.0.0.1 (an ephemeral port), serving a fixed set of
/// routes, one request per connection: enough to exercise `HTTPClient` and the schema registry
/// client against a real socket. Every request (method, path with query, headers, body) is
/// recorded before it is answered; unknown paths get 404.
final class TinyHTTPServer: Sendable {
    /// What a route answers.
    struct Route: Sendable {
        var status = 200
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var body: [UInt8]
    }

    /// One request as the server read it.
    struct Request: Sendable {
        var method: String
        /// The request target: path and query string.
        var path: String
        /// Header names lower-cased.
        var headers: [String: String]
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let port: UInt16
    private let socket: Int32
    private let routes: [String: Route]
    private let requests = Mutex<[Request]>([])
    private let outageStatus = Mutex<Int?>(nil)
    /// Requests still to be refused with 503 before the routes answer (`refuseNext`).
    private let refusals = Mutex(0)
    /// Signalled once per request answered (`waitForRequests`).
    private let answered = DispatchSemaphore(value: 0)
    /// Signalled by the serving thread when it has closed the socket and exited.
    private let finished = DispatchSemaphore(value: 0)

    /// Routes answering 200 with a JSON body.
    convenience init(routes: [String: String]) throws {
        try self.init(routes: routes.mapValues { Route(body: Array($0.utf8)) })
    }

    /// Starts listening before returning, so clients may connect at once.
    init(routes: [String: Route]) throws {
        self.routes = routes
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Failure(description: "bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.socket = fd
        self.port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Requests received so far.
    var received: [Request] { requests.withLock { $0 } }

    /// While set, every request is answered with this status (e.g. 503: a registry outage).
    var outage: Int? {
        get { outageStatus.withLock { $0 } }
        set { outageStatus.withLock { $0 = newValue } }
    }

    /// The next this many requests are answered 503 (a receiver that is down), then the routes again.
    var refuseNext: Int {
        get { refusals.withLock { $0 } }
        set { refusals.withLock { $0 = newValue } }
    }

    /// Blocks until `count` more requests were answered, or `seconds` passed; whether they were.
    func waitForRequests(_ count: Int, seconds: Double = 30) -> Bool {
        let deadline = DispatchTime.now() + seconds
        for _ in 0..<count where answered.wait(timeout: deadline) == .timedOut { return false }
        return true
    }

    /// Paths requested so far.
    var requestedPaths: [String] { received.map(\.path) }

    /// Stops accepting and waits for the serving thread to exit. The thread itself closes the
    /// socket, so its descriptor cannot be reused by another server while it still accepts.
    func stop() {
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
            let request = Self.readRequest(client)
            requests.withLock { $0.append(request) }
            var route = routes[request.path] ?? Route(status: 404, body: Array(#"{"error_code":40403}"#.utf8))
            if let status = outage { route = Route(status: status, body: Array(#"{"error_code":50301}"#.utf8)) }
            let refused = refusals.withLock { left in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if refused { route = Route(status: 503, body: Array(#"{"error":"down"}"#.utf8)) }
            var head = "HTTP/1.1 \(route.status) \(route.status == 200 ? "OK" : "Status")\r\n"
            for (name, value) in route.headers { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(route.body.count)\r\nConnection: close\r\n\r\n"
            let bytes = Array(head.utf8) + (request.method == "HEAD" ? [] : route.body)
            var sent = 0
            while sent < bytes.count {
                // MSG_NOSIGNAL: a client that hangs up early (a size cap) must not raise SIGPIPE.
                let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
            close(client)
            answered.signal()
        }
    }

    /// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
    private static func readRequest(_ client: Int32) -> Request {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected = Int.max
        while bytes.count < expected {
            let count = read(client, &chunk, chunk.count)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if headEnd == nil, let range = bytes.firstRange(of: separator) {
                headEnd = range.upperBound
                let length = headers(bytes[..<range.lowerBound])["content-length"].flatMap { Int($0) } ?? 0
                expected = range.upperBound + length
            }
        }
        let end = headEnd ?? bytes.count
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        return Request(
            method: parts.first.map(String.init) ?? "",
            path: parts.count > 1 ? String(parts[1]) : "",
            headers: headers(bytes[..<end]),
            body: Array(bytes[min(end, bytes.count)...])
        )
    }

    /// The header fields of a request head, names lower-cased.
    private static func headers(_ head: ArraySlice<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
