import Foundation
import HTTPTransport
import StreamDaemon

/// The real `aura-billing run` process a soak drives: started on a generated configuration,
/// watched through its `/metrics` endpoint and its `/proc/<pid>` files, stopped with SIGTERM.
///
/// Used from one thread (the soak's), so it needs no lock.
final class SoakDaemon {
    let process: Process
    let port: Int
    /// The daemon's stdout and stderr.
    let log: String
    let client = HTTPClient(connectTimeout: .seconds(2), timeout: .seconds(30))

    /// Starts `executable run --config config`, its stdout and stderr appended to `log`.
    init(executable: String, config: String, log: String, port: Int) throws {
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "--config", config]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        self.port = port
        self.log = log
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var isRunning: Bool { process.isRunning }

    /// Polls `condition` every 100 ms until it holds; throws naming `what` on timeout, or when the
    /// daemon exits (naming its log).
    func wait(for what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard isRunning else { throw DaemonError(.usage, "the daemon exited waiting for \(what); see \(log)") }
            guard Date() < deadline else {
                throw DaemonError(.usage, "timed out after \(Int(seconds)) s waiting for \(what)")
            }
            usleep(100_000)
        }
    }

    /// One scrape of `/metrics`; nil while the server does not answer 200.
    func metrics() -> SoakMetrics? {
        guard let response = try? client.get("http://127.0.0.1:\(port)/metrics"), response.status == 200 else {
            return nil
        }
        return SoakMetrics(text: String(decoding: response.body, as: UTF8.self))
    }

    /// Resident set size of the daemon process (`VmRSS` of `/proc/<pid>/status`), 0 when unreadable.
    var residentBytes: Int64 {
        procField("status", "VmRSS:").map { $0 * 1024 } ?? 0
    }

    /// Bytes the daemon process caused to be written to storage (`write_bytes` of `/proc/<pid>/io`:
    /// checkpoints, invoices, quarantine, logs — page-cache writes counted when dirtied).
    var writtenBytes: Int64 {
        procField("io", "write_bytes:") ?? 0
    }

    /// The first number after `label` in `/proc/<pid>/<file>`.
    private func procField(_ file: String, _ label: String) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/\(file)", encoding: .utf8)
        else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(label) {
            return Int64(line.dropFirst(label.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Stops the daemon with SIGTERM and waits for it; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A TCP port on 127.0.0.1 nothing listens on now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError(.usage, "no socket for a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        // The rebound pointer is used only inside the closure, on a local of the right size.
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw DaemonError(.usage, "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
