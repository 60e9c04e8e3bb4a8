package import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Durable generations of one state's checkpoint in a directory.
///
/// Files are `<name>.<generation>.ckpt` (generation = 20 decimal digits, increasing). `save`
/// writes `<name>.tmp`, fsyncs it, renames it to the next generation, fsyncs the directory,
/// then deletes all but the two newest generations: a crash at any instant leaves at least one
/// complete generation. `load` takes the newest valid generation and falls back to the older
/// one with a warning.
///
/// Synchronous and blocking (file IO, fsync): call it from the daemon's own threads or through
/// `NIOThreadPool`, never on the cooperative pool.
package final class CheckpointStore: Sendable {
    package let directory: String
    package let name: String
    let logger: Logger

    /// - Parameters:
    ///   - directory: the state directory (created by `save` if missing).
    ///   - name: file-name stem, e.g. `aura.audit-3`.
    package init(directory: String, name: String, logger: Logger = Logger(label: "aura.checkpoint")) {
        self.directory = directory
        self.name = name
        self.logger = logger
    }

    /// A loaded checkpoint.
    package struct Loaded: Sendable {
        package var state: PartitionState
        package var generation: UInt64
        package var path: String
        /// Newer generations that were skipped, with why.
        package var skipped: [AggregationError]
    }

    /// What `save` wrote.
    package struct Saved: Sendable, Equatable {
        package var generation: UInt64
        package var path: String
        package var bytes: Int
    }

    // MARK: Paths

    package func path(generation: UInt64) -> String {
        let digits = String(generation)
        return "\(directory)/\(name).\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).ckpt"
    }

    var temporaryPath: String { "\(directory)/\(name).tmp" }

    /// Generations present on disk, newest first.
    package func generations() -> [UInt64] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        let prefix = name + "."
        var found: [UInt64] = []
        while let entry = readdir(dir) {
            // d_name is a NUL-terminated inline array; the pointer does not escape the closure.
            let fileName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard fileName.hasPrefix(prefix), fileName.hasSuffix(".ckpt") else { continue }
            let middle = fileName.dropFirst(prefix.count).dropLast(5)
            if middle.count == 20, middle.allSatisfy(\.isNumber), let g = UInt64(middle) { found.append(g) }
        }
        return found.sorted(by: >)
    }

    // MARK: Save

    /// Writes `state` as the next generation, durably, and prunes to two generations.
    @discardableResult
    package func save(_ state: PartitionState) throws(AggregationError) -> Saved {
        let bytes = CheckpointCodec.encode(state)
        return try save(encoded: bytes)
    }

    /// Writes already-encoded checkpoint bytes as the next generation (see `save(_:)`).
    @discardableResult
    package func save(encoded bytes: [UInt8]) throws(AggregationError) -> Saved {
        try makeDirectory()
        let existing = generations()
        let generation = (existing.first ?? 0) + 1
        let tmp = temporaryPath
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("open", tmp) }
        let failure: AggregationError? = bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                // Writes stay within `buffer`; the pointer does not escape this closure.
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return ioError("write", tmp)
                }
                written += n
            }
            return fsync(fd) == 0 ? nil : ioError("fsync", tmp)
        }
        if let failure {
            close(fd)
            unlink(tmp)
            throw failure
        }
        guard close(fd) == 0 else { throw ioError("close", tmp) }
        let final = path(generation: generation)
        guard rename(tmp, final) == 0 else { throw ioError("rename", final) }
        try syncDirectory()
        for old in existing.dropFirst() { unlink(path(generation: old)) }
        return Saved(generation: generation, path: final, bytes: bytes.count)
    }

    /// Creates the state directory and its parents; the parent of each directory created is
    /// fsynced, so the first checkpoint cannot vanish with its directory on power loss.
    private func makeDirectory() throws(AggregationError) {
        var current = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw ioError("mkdir", current)
            }
        }
    }

    private func syncDirectory(_ path: String? = nil) throws(AggregationError) {
        let path = path ?? directory
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ioError("fsync", path) }
    }

    private func ioError(_ call: String, _ path: String) -> AggregationError {
        let code = errno
        return AggregationError(.io, "\(call) failed: \(String(cString: strerror(code))) (errno \(code))", source: path)
    }

    // MARK: Load

    /// Reads and decodes one generation.
    package func load(generation: UInt64, zones: OBTimeZones) throws(AggregationError) -> PartitionState {
        let file = path(generation: generation)
        let bytes = try Self.readFile(file)
        let result: Result<PartitionState, AggregationError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(AggregationError) in try CheckpointCodec.decode(buffer, zones: zones, source: file) }
        }
        return try result.get()
    }

    /// The newest valid generation; each newer damaged one is logged as a warning and listed
    /// in `skipped`.
    /// - Throws: `.missing` when there is no generation; otherwise the newest generation's
    ///   error when none is valid.
    package func load(zones: OBTimeZones) throws(AggregationError) -> Loaded {
        let all = generations()
        guard !all.isEmpty else {
            throw AggregationError(.missing, "no checkpoint named \(name) in \(directory)", source: directory)
        }
        var skipped: [AggregationError] = []
        for generation in all {
            do {
                let state = try load(generation: generation, zones: zones)
                return Loaded(
                    state: state, generation: generation, path: path(generation: generation), skipped: skipped)
            } catch {
                logger.warning(
                    "checkpoint generation is damaged; falling back to the previous one",
                    metadata: ["path": "\(path(generation: generation))", "error": "\(error)"])
                skipped.append(error)
            }
        }
        throw skipped[0]
    }

    /// The start-up decision of docs/spec.md §4: the newest valid checkpoint if any; `nil` for a fresh
    /// start when none exists and `expectingOffsets` is false (no committed Kafka offsets).
    /// - Throws: `.refuseToStart` when `expectingOffsets` (the group has committed offsets)
    ///   but no valid checkpoint exists, naming why each generation was rejected.
    package func loadForStart(zones: OBTimeZones, expectingOffsets: Bool) throws(AggregationError) -> Loaded? {
        do {
            return try load(zones: zones)
        } catch {
            if expectingOffsets {
                throw AggregationError(
                    .refuseToStart,
                    "committed offsets exist but there is no valid checkpoint (\(error)); refusing to start, since counting from the committed offsets would lose the aggregates and dedup keys before them",
                    source: directory)
            }
            if error.code != .missing {
                logger.warning(
                    "no valid checkpoint and no committed offsets; starting from an empty state",
                    metadata: ["error": "\(error)"])
            }
            return nil
        }
    }

    /// Whole-file read.
    static func readFile(_ path: String) throws(AggregationError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw AggregationError(
                code == ENOENT ? .missing : .io, "open failed: \(String(cString: strerror(code)))", source: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw AggregationError(.io, "fstat failed: \(String(cString: strerror(errno)))", source: path)
        }
        let size = Int(info.st_size)
        var failure: AggregationError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var got = 0
            while got < size {
                // Reads stay within `buffer` (size bytes); the pointer does not escape.
                let n = read(fd, buffer.baseAddress! + got, size - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = AggregationError(.io, "read failed: \(String(cString: strerror(errno)))", source: path)
                    break
                }
                if n == 0 { break }
                got += n
            }
            initialized = got
        }
        if let failure { throw failure }
        return bytes
    }
}
