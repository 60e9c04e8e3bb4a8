package import Logging
internal import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Durable generations of one state's checkpoint in a directory, each a full base plus a log
/// of incremental deltas.
///
/// Files are `<name>.<generation>.ckpt` (generation = 20 decimal digits, increasing), the full
/// base, and `<name>.<generation>.delta`, the records appended to it (`CheckpointCodec+Delta`).
/// A base is written as `<name>.tmp`, fsynced, renamed to its generation, with an empty delta log
/// beside it, then the directory is fsynced and all but the two newest generations (bases with
/// their logs) are deleted: a crash at any instant leaves at least one complete generation. A
/// delta is appended to the log of the newest base at the end of its last good record and
/// fdatasynced before `save` returns (the caller commits the offsets it holds only then).
///
/// `encode(_:)` (on the thread that owns the state) decides base or delta: a delta when the state
/// tracked its changes since the previous checkpoint of this store (`StateChanges`), nothing was
/// removed or renumbered since (`layoutEpoch`), the previous write succeeded, and the deltas of
/// the current base add up to at most `deltaLimitPercent` % of its size; otherwise a base. With
/// the default 50 %, a base of `B` bytes is rewritten once `B / 2` bytes of deltas were
/// appended, so each delta byte costs 2 bytes of base on average: about 3 × 20 = 60 bytes
/// written per new dedup key (plus the rows and statistics each checkpoint touched), whatever
/// the size of the state; a restore reads at most 1.5 × the base. The first checkpoint after a
/// load (and any after a failed write) is a base. `maxDeltas` also bounds the records per base
/// (the changelog of a scaled-out deployment keeps one manifest per record: `ChangelogStore`).
///
/// `load` takes the newest generation whose base is valid and applies its delta records in
/// order; a torn or damaged record ends the log (a warning): the state is then that of the
/// record before, whose offsets are re-read, so nothing is counted twice. A damaged base falls
/// back to the older generation with a warning.
///
/// Synchronous and blocking (file IO, fsync): call it from the daemon's own threads or through
/// `NIOThreadPool`, never on the cooperative pool.
package final class CheckpointStore: Sendable {
    package let directory: String
    package let name: String
    let logger: Logger
    /// Whether `encode` may write deltas.
    package let incremental: Bool
    /// Deltas of one base may add up to this percentage of its size before the next base.
    package let deltaLimitPercent: Int
    /// The default `deltaLimitPercent`.
    package static let defaultDeltaLimitPercent = 50
    /// At most this many delta records follow one base.
    package let maxDeltas: UInt64
    let chain = Mutex(Chain())

    /// - Parameters:
    ///   - directory: the state directory (created by `save` if missing).
    ///   - name: file-name stem, e.g. `aura.audit-3`.
    ///   - incremental: whether `encode` writes deltas between bases.
    ///   - deltaLimitPercent: see the type's comment.
    ///   - maxDeltas: delta records per base at most (unbounded by default).
    package init(
        directory: String, name: String, logger: Logger = Logger(label: "aura.checkpoint"), incremental: Bool = true,
        deltaLimitPercent: Int = CheckpointStore.defaultDeltaLimitPercent, maxDeltas: UInt64 = .max
    ) {
        self.directory = directory
        self.name = name
        self.logger = logger
        self.incremental = incremental
        self.deltaLimitPercent = deltaLimitPercent
        self.maxDeltas = maxDeltas
    }

    /// A loaded checkpoint.
    package struct Loaded: Sendable {
        package var state: PartitionState
        package var generation: UInt64
        package var path: String
        /// Newer generations that were skipped, with why.
        package var skipped: [AggregationError]
        /// Delta records applied on top of the base.
        package var deltas: Int = 0
        /// Why the rest of the delta log was discarded (a torn or damaged record), if it was.
        package var discarded: AggregationError?
    }

    /// What `save` wrote.
    package struct Saved: Sendable, Equatable {
        package var generation: UInt64
        package var path: String
        package var bytes: Int
        /// Sequence of the delta record appended to the log of `generation`; 0 for a base.
        package var sequence: UInt64 = 0
    }

    // MARK: Paths

    /// The base of `generation`.
    package func path(generation: UInt64) -> String { file(generation: generation, suffix: "ckpt") }

    /// The delta log of base `generation`.
    package func deltaPath(generation: UInt64) -> String { file(generation: generation, suffix: "delta") }

    /// `<directory>/<name>.<generation, 20 digits>.<suffix>`.
    private func file(generation: UInt64, suffix: String) -> String {
        let digits = String(generation)
        return "\(directory)/\(name).\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).\(suffix)"
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

    /// Writes `state` as a new base generation, durably, and prunes to two generations. The
    /// state's change tracking is not touched: a later `encode` of it writes a base too.
    @discardableResult
    package func save(_ state: PartitionState) throws(AggregationError) -> Saved {
        try save(encoded: CheckpointCodec.encode(state))
    }

    /// Writes already-encoded full checkpoint bytes as a new base generation (see `save(_:)`).
    @discardableResult
    package func save(encoded bytes: [UInt8]) throws(AggregationError) -> Saved {
        let generation = chain.withLock { c in
            c.encodedBase = nil  // whatever a tracked state was encoded against is superseded
            return nextGeneration(&c)
        }
        return try save(Encoded(bytes: bytes, generation: generation, sequence: 0))
    }

    /// Encodes `state` (`encode`) and writes it (`save(_: Encoded)`) on the calling thread.
    @discardableResult
    package func save(_ state: inout PartitionState) throws(AggregationError) -> Saved {
        try save(encode(&state))
    }

    /// Creates the state directory and its parents; the parent of each directory created is
    /// fsynced, so the first checkpoint cannot vanish with its directory on power loss.
    func makeDirectory() throws(AggregationError) {
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

    func syncDirectory(_ path: String? = nil) throws(AggregationError) {
        let path = path ?? directory
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ioError("fsync", path) }
    }

    func ioError(_ call: String, _ path: String) -> AggregationError {
        let code = errno
        return AggregationError(.io, "\(call) failed: \(String(cString: strerror(code))) (errno \(code))", source: path)
    }

    // MARK: Load

    /// Reads and decodes one generation: its base and the delta records of its log.
    package func load(generation: UInt64, zones: OBTimeZones) throws(AggregationError) -> PartitionState {
        try loadChain(generation: generation, zones: zones).state
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
                let loaded = try loadChain(generation: generation, zones: zones)
                return Loaded(
                    state: loaded.state, generation: generation, path: path(generation: generation), skipped: skipped,
                    deltas: loaded.deltas, discarded: loaded.discarded)
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
