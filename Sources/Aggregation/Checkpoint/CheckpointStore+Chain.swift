internal import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Base or delta: the decision of `encode`, and the writes of `save(_: Encoded)`.
extension CheckpointStore {
    /// A checkpoint encoded by `encode`, to write with `save(_:)` (possibly on another thread).
    package struct Encoded: Sendable {
        /// The base or the delta record.
        package var bytes: [UInt8]
        /// The base generation it is, or whose log it goes to.
        package var generation: UInt64
        /// 0 for a base; the delta's sequence (1, 2, …) in the log of `generation`.
        package var sequence: UInt64

        package var isDelta: Bool { sequence > 0 }

        package init(bytes: [UInt8], generation: UInt64, sequence: UInt64) {
            self.bytes = bytes
            self.generation = generation
            self.sequence = sequence
        }
    }

    /// What the encoding thread and the writing thread know of the chain of bases and deltas.
    struct Chain {
        /// Identifies the current base's chain in the states tracked against it.
        var id: UInt64 = 0
        /// The base the next delta follows; `nil`: the next checkpoint is a base.
        var encodedBase: UInt64?
        /// The last delta encoded for `encodedBase`.
        var encodedSequence: UInt64 = 0
        var baseBytes = 0
        var deltaBytes = 0
        /// The generation the next base gets; `nil`: one past the newest on disk.
        var nextGeneration: UInt64?
        /// The newest durable base whose log takes deltas, and its last durable record.
        var durableBase: UInt64?
        var durableSequence: UInt64 = 0
        /// Bytes of durable records in that log (the next one is written there).
        var logLength = 0
    }

    /// Takes the next generation number for a base.
    func nextGeneration(_ c: inout Chain) -> UInt64 {
        let generation = max(c.nextGeneration ?? 0, (generations().first ?? 0) + 1)
        c.nextGeneration = generation + 1
        return generation
    }

    /// Encodes `state` as a delta of the current base when it can (see the type's comment),
    /// otherwise as a new base, and makes it the baseline of the next delta. Call it on the thread
    /// that owns the state; `save(_:)` the result in the order encoded.
    package func encode(_ state: inout PartitionState) -> Encoded {
        // Decided under the lock, encoded outside it (a base of 10M keys takes 0.15 s): only the
        // owner's thread encodes, so nothing changes the decision meanwhile.
        let delta: (base: UInt64, sequence: UInt64, id: UInt64)? = chain.withLock { c in
            guard incremental, let base = c.encodedBase, state.hasDelta(chain: c.id, sequence: c.encodedSequence),
                c.deltaBytes * 100 <= c.baseBytes * deltaLimitPercent, c.encodedSequence < maxDeltas
            else { return nil }
            return (base, c.encodedSequence + 1, c.id)
        }
        if let delta {
            let bytes = CheckpointCodec.encodeDelta(state, baseGeneration: delta.base, sequence: delta.sequence)
            chain.withLock { c in
                c.encodedSequence = delta.sequence
                c.deltaBytes += bytes.count
            }
            state.markCheckpointed(chain: delta.id, sequence: delta.sequence)
            return Encoded(bytes: bytes, generation: delta.base, sequence: delta.sequence)
        }
        let bytes = CheckpointCodec.encode(state)
        let id = UInt64.random(in: 1...UInt64.max)
        let generation = chain.withLock { c in
            let generation = nextGeneration(&c)
            c.encodedBase = incremental ? generation : nil
            c.id = id
            c.encodedSequence = 0
            c.baseBytes = bytes.count
            c.deltaBytes = 0
            return generation
        }
        if incremental {
            state.markCheckpointed(chain: id, sequence: 0)
        } else {
            state.stopTrackingChanges()
        }
        return Encoded(bytes: bytes, generation: generation, sequence: 0)
    }

    /// Writes `encoded` durably: a base as its generation (then prunes to two generations), a
    /// delta appended to its base's log. Call in the order `encode` produced them.
    /// - Throws: `.io`; `.corrupt` for a delta that does not follow the last durable record (a
    ///   write before it failed). After any failure the next `encode` is a base.
    @discardableResult
    package func save(_ encoded: Encoded) throws(AggregationError) -> Saved {
        do {
            return encoded.isDelta ? try append(encoded) : try writeBase(encoded)
        } catch {
            chain.withLock { $0.encodedBase = nil }
            throw error
        }
    }

    /// Forgets what `encode` produced but was never given to `save` (a batch that stopped at an
    /// earlier failure, before this store's checkpoint): the next `encode` is a base, since a
    /// delta would follow a record that is not on disk.
    package func abandonUnsaved() {
        chain.withLock { $0.encodedBase = nil }
    }

    private func writeBase(_ encoded: Encoded) throws(AggregationError) -> Saved {
        try makeDirectory()
        let existing = generations()
        let generation = max(encoded.generation, (existing.first ?? 0) + 1)
        let tmp = temporaryPath
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("open", tmp) }
        if let failure = writeAll(fd, encoded.bytes, at: 0, path: tmp) ?? (fsync(fd) == 0 ? nil : ioError("fsync", tmp))
        {
            close(fd)
            unlink(tmp)
            throw failure
        }
        guard close(fd) == 0 else { throw ioError("close", tmp) }
        // The empty delta log is created before the directory sync, so appends need no
        // directory sync of their own.
        let log = deltaPath(generation: generation)
        let logFD = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw ioError("open", log) }
        guard fsync(logFD) == 0 else {
            close(logFD)
            throw ioError("fsync", log)
        }
        close(logFD)
        let final = path(generation: generation)
        guard rename(tmp, final) == 0 else { throw ioError("rename", final) }
        try syncDirectory()
        chain.withLock { c in
            c.durableBase = generation == encoded.generation ? generation : nil
            c.durableSequence = 0
            c.logLength = 0
            c.nextGeneration = max(c.nextGeneration ?? 0, generation + 1)
        }
        for old in existing.dropFirst() {
            unlink(deltaPath(generation: old))
            unlink(path(generation: old))
        }
        return Saved(generation: generation, path: final, bytes: encoded.bytes.count)
    }

    private func append(_ encoded: Encoded) throws(AggregationError) -> Saved {
        let log = deltaPath(generation: encoded.generation)
        let (follows, at) = chain.withLock { c in
            (c.durableBase == encoded.generation && c.durableSequence + 1 == encoded.sequence, c.logLength)
        }
        guard follows else {
            throw AggregationError(
                .corrupt,
                "delta \(encoded.sequence) of generation \(encoded.generation) does not follow the last durable checkpoint (a write before it failed); the next checkpoint is a full one",
                source: log)
        }
        let fd = open(log, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", log) }
        #if canImport(Glibc)
            let synced = { fdatasync(fd) == 0 }
        #else
            let synced = { fsync(fd) == 0 }
        #endif
        if let failure = writeAll(fd, encoded.bytes, at: at, path: log) ?? (synced() ? nil : ioError("fdatasync", log))
        {
            _ = ftruncate(fd, off_t(at))  // best effort: a load stops at the torn record anyway
            close(fd)
            throw failure
        }
        close(fd)
        chain.withLock { c in
            c.durableSequence = encoded.sequence
            c.logLength = at + encoded.bytes.count
        }
        return Saved(generation: encoded.generation, path: log, bytes: encoded.bytes.count, sequence: encoded.sequence)
    }

    /// Writes all of `bytes` at file offset `offset`; the error, or nil.
    private func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) -> AggregationError? {
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                // Writes stay within `buffer`; the pointer does not escape this closure.
                let n = pwrite(fd, buffer.baseAddress! + written, buffer.count - written, off_t(offset + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    return ioError("write", path)
                }
                written += n
            }
            return nil
        }
    }
}
