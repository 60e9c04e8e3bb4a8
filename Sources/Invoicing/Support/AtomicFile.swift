package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Durable file writes: temporary file, fsync, rename, fsync of the directory.
package enum AtomicFile {
    /// Writes `data` to `path` atomically; an existing file at `path` is replaced only by the rename.
    package static func write(_ data: Data, to path: String) throws(InvoicingError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error("cannot create", temporary) }
        var failure: InvoicingError?
        data.withUnsafeBytes { raw in
            // The pointer does not escape this closure.
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = error("cannot write", temporary)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = error("cannot fsync", temporary) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let failure = error("cannot rename into place", path)
            unlink(temporary)
            throw failure
        }
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Deletes the temporaries (`<name>.tmp-<pid>`) a crash during `write` left in `directory`.
    /// Call it only where no other write into `directory` is under way.
    package static func removeTemporaries(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names {
            guard let range = name.range(of: ".tmp-", options: .backwards),
                !name[range.upperBound...].isEmpty, name[range.upperBound...].allSatisfy(\.isNumber)
            else { continue }
            unlink((directory as NSString).appendingPathComponent(name))
        }
    }

    /// Creates `path` and its parents.
    package static func makeDirectory(_ path: String) throws(InvoicingError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InvoicingError(.io, "cannot create directory: \(error)", source: path)
        }
    }

    private static func error(_ what: String, _ path: String) -> InvoicingError {
        InvoicingError(.io, "\(what): \(String(cString: strerror(errno)))", source: path)
    }
}
