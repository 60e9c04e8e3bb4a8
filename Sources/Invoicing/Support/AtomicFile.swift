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
        if close(fd) != 0, failure == nil { failure = error("cannot close", temporary) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let failure = error("cannot rename into place", path)
            unlink(temporary)
            throw failure
        }
        // The rename is durable only once the directory is: a failure here is a failed write.
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// fsyncs the directory `path` (its entries: a rename or a new file or subdirectory in it).
    private static func syncDirectory(_ path: String) throws(InvoicingError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("cannot open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw error("cannot fsync directory", path) }
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

    /// Creates `path` and its parents, durably: the parent of each directory created is fsynced,
    /// so a file later written inside cannot vanish with its directory on power loss.
    package static func makeDirectory(_ path: String) throws(InvoicingError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw error("cannot create directory", current)
            }
        }
    }

    private static func error(_ what: String, _ path: String) -> InvoicingError {
        InvoicingError(.io, "\(what): \(String(cString: strerror(errno)))", source: path)
    }
}
