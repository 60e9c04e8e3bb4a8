// `stat` and its fields resolve through CoreFoundation in release (whole-module) builds.
import CoreFoundation

#if canImport(Glibc)
    import Glibc
    // The release build (whole module) finds `stat` first in CoreFoundation's clang module, and
    // MemberImportVisibility then wants that module imported for its members.
    internal import CoreFoundation
#elseif canImport(Darwin)
    import Darwin
#endif

/// The quarantine's append-only file descriptor.
///
/// `Sendable` with only immutable state: the consumer thread appends (`write(2)`) while the
/// checkpoint writer thread makes earlier appends durable (`fsync(2)`); both are thread-safe
/// system calls on one descriptor, which stays open until the last reference goes away.
final class QuarantineFile: Sendable {
    let path: String
    private let fd: Int32

    /// Opens `path` for appending, creating it (mode 0600) when missing.
    init(path: String) throws(DaemonError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error("cannot open the quarantine file", path) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The file's size now (`fstat`).
    func size() throws(DaemonError) -> Int {
        var status = Glibc.stat()
        guard fstat(fd, &status) == 0 else { throw Self.error("cannot stat the quarantine file", path) }
        return Int(status.st_size)
    }

    /// Appends `bytes` (to the page cache; `sync()` makes them durable), all or nothing: when a
    /// write fails midway (ENOSPC, EFBIG, EIO), the file is truncated back to its size before
    /// the append, so no partial line stays, and the error is thrown.
    func append(_ bytes: [UInt8]) throws(DaemonError) {
        let before = try size()
        let failure: DaemonError? = bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                // Writes stay within `buffer`; the pointer does not escape this closure.
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return Self.error("cannot write the quarantine file", path)
                }
                written += n
            }
            return nil
        }
        guard var failure else { return }
        if ftruncate(fd, off_t(before)) != 0 {
            failure.message += "; truncating back to \(before) bytes failed too: \(String(cString: strerror(errno)))"
        }
        throw failure
    }

    /// Makes every append made before this call durable.
    func sync() throws(DaemonError) {
        guard fsync(fd) == 0 else { throw Self.error("cannot fsync the quarantine file", path) }
    }

    private static func error(_ what: String, _ path: String) -> DaemonError {
        let code = errno
        return DaemonError(.quarantine, "\(what): \(String(cString: strerror(code))) (errno \(code))", source: path)
    }
}
