import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Plays systemd's side of the notify protocol for a daemon under test: a datagram socket at
/// `path` (pass it as `NOTIFY_SOCKET`) whose messages are recorded, so a test can see the
/// watchdog pings (`WATCHDOG=1`) the daemon sends and when.
final class NotifySocketListener: Sendable {
    let path: String
    private let socket: Int32
    private let pings = Mutex<[Date]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TinyHTTPServer.Failure(description: "socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw TinyHTTPServer.Failure(description: "socket path too long: \(path)")
        }
        // `bytes.count` is below the size of `sun_path` (checked above); the rest stays zero.
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw TinyHTTPServer.Failure(description: "bind \(path) failed")
        }
        // Wake up every 200 ms to see whether `stop()` was called.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        socket = fd
        let thread = Thread { [self] in self.receive() }
        thread.start()
    }

    /// The instants of the watchdog pings received so far.
    var watchdogPings: [Date] { pings.withLock { $0 } }

    /// Watchdog pings received at or after `instant`.
    func pings(since instant: Date) -> Int { watchdogPings.filter { $0 >= instant }.count }

    /// Stops receiving and removes the socket file.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        unlink(path)
    }

    private func receive() {
        defer {
            close(socket)
            finished.signal()
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopping.load(ordering: .relaxed) {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            if message.split(separator: "\n").contains("WATCHDOG=1") { pings.withLock { $0.append(Date()) } }
        }
    }
}
