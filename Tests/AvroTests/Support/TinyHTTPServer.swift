import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 server on 127.0.0.1 (an ephemeral port), serving a fixed set of
/// paths: enough to exercise the libcurl registry client against a real socket.
final class TinyHTTPServer: Sendable {
    let port: UInt16
    private let socket: Int32
    private let routes: [String: String]
    private let requests = Mutex<[String]>([])
    /// Signalled by the serving thread when it has closed the socket and exited.
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening before returning, so clients may connect at once.
    init(routes: [String: String]) throws {
        self.routes = routes
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw FixtureError("bind/listen failed")
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

    /// Paths requested so far.
    var requestedPaths: [String] { requests.withLock { $0 } }

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
            var request: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                let count = read(client, &chunk, chunk.count)
                if count <= 0 { break }
                request.append(contentsOf: chunk[0..<count])
            }
            let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
            let parts = line.split(separator: " ")
            let path = parts.count > 1 ? String(parts[1]) : ""
            requests.withLock { $0.append(path) }
            let (status, body) = routes[path].map { ("200 OK", $0) } ?? ("404 Not Found", #"{"error_code":40403}"#)
            let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            close(client)
        }
    }
}
