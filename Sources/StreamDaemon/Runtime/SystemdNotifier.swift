#if canImport(Glibc)
    import Glibc
#endif

/// The systemd notify protocol (`sd_notify`) without libsystemd: datagrams to `$NOTIFY_SOCKET`.
///
/// A no-op when the variable is unset (not started by systemd with `Type=notify`). Sends are
/// non-blocking datagrams and never fail the daemon; errors are reported to the caller's log.
struct SystemdNotifier: Sendable {
    /// The socket path (an abstract socket when it starts with `@`), nil when not under systemd.
    let socketPath: String?

    init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    func watchdog() { send("WATCHDOG=1") }
    func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }
    func status(_ text: String) { send("STATUS=\(text)") }

    /// Sends one notify datagram; returns false when it could not be sent.
    @discardableResult
    func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)  // the tuple is `capacity` bytes; path.count < capacity checked above
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let sent =
            message.utf8.withContiguousStorageIfAvailable { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                        sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), sa, length)
                    }
                }
            } ?? -1
        return sent >= 0
    }
}
