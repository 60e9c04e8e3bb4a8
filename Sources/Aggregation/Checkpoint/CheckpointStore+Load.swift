internal import Logging

/// Loading a generation: its base, then its delta records in order.
extension CheckpointStore {
    /// Base `generation` plus every delta record of its log up to the first torn, damaged or
    /// foreign one (that one and the rest are discarded with a warning: the state is then the one
    /// the record before left, with its offsets).
    /// - Throws: the base's error; `.corrupt` when a checksummed record does not fit the state
    ///   (a writer fault, not a torn write: the generation is refused, naming the log).
    func loadChain(generation: UInt64, zones: OBTimeZones) throws(AggregationError) -> (
        state: PartitionState, deltas: Int, discarded: AggregationError?
    ) {
        let file = path(generation: generation)
        let logPath = deltaPath(generation: generation)
        let base = try Self.readFile(file)
        let log: [UInt8]
        do {
            log = try Self.readFile(logPath)
        } catch {
            // No log: a base written before incremental checkpoints, or by a crash before its log.
            guard error.code == .missing else { throw error }
            log = []
        }
        let (state, applied, discarded) = try Self.decodeChain(
            base: base, log: log, generation: generation, zones: zones, baseSource: file, logSource: logPath)
        if let discarded {
            logger.warning(
                "delta log has a torn or damaged record; discarding it and the rest, resuming from the record before",
                metadata: ["path": "\(logPath)", "records_applied": "\(applied)", "error": "\(discarded)"])
        }
        return (state, applied, discarded)
    }

    /// Decodes base bytes and the delta records that follow it (`log`: records concatenated, as
    /// in a delta log), in memory: the records are applied in order up to the first torn, damaged
    /// or foreign one (not of base `generation`, or out of sequence), which ends the chain; the
    /// state is then the one the record before left, with its offsets. Used for the files of a
    /// generation and for a base and its deltas read from the changelog of a scaled-out deployment.
    /// - Returns: the state, how many records were applied, and why the rest was discarded.
    /// - Throws: the base's error; `.corrupt` naming `logSource` when a checksummed record does
    ///   not fit the state (a writer fault, not a torn write).
    package static func decodeChain(
        base: [UInt8], log: [UInt8], generation: UInt64, zones: OBTimeZones, baseSource: String, logSource: String
    ) throws(AggregationError) -> (state: PartitionState, deltas: Int, discarded: AggregationError?) {
        // Both buffers stay alive for the whole decode: the delta records and the base's dedup
        // section are read in place, not copied.
        let result = log.withUnsafeBytes { log in
            base.withUnsafeBytes { base in
                Result { () throws(AggregationError) in
                    try decodeChain(
                        base: base, log: log, generation: generation, zones: zones, baseSource: baseSource,
                        logSource: logSource)
                }
            }
        }
        return try result.get()
    }

    /// `decodeChain` over the bytes themselves: the base is decoded without its dedup table,
    /// the records are applied, then one pass builds the table from the base's keys and the
    /// applied records' (`CheckpointCodec.buildDedup`), at its final size.
    private static func decodeChain(
        base: UnsafeRawBufferPointer, log: UnsafeRawBufferPointer, generation: UInt64, zones: OBTimeZones,
        baseSource: String, logSource: String
    ) throws(AggregationError) -> (state: PartitionState, deltas: Int, discarded: AggregationError?) {
        var (deltas, discarded) = Self.scan(log, generation: generation, source: logSource)
        var parts = try CheckpointCodec.decodeParts(base, zones: zones, source: baseSource)
        var applied = 0
        for delta in deltas {
            let counts = CheckpointCodec.counts(parts)
            guard delta.before == counts else {
                discarded = AggregationError(
                    .corrupt,
                    "delta record \(delta.sequence) applies to \(delta.before), not to the state before it (\(counts))",
                    source: logSource)
                break
            }
            try CheckpointCodec.apply(delta, to: &parts, source: logSource)
            applied += 1
        }
        deltas = []
        try CheckpointCodec.buildDedup(&parts, base: base, log: log, source: applied > 0 ? logSource : baseSource)
        let state = try CheckpointCodec.finish(&parts, source: applied > 0 ? logSource : baseSource)
        return (state, applied, discarded)
    }

    /// The records of a delta log that are whole, checksummed and in sequence for `generation`;
    /// and why the scan stopped early, if it did.
    static func scan(_ log: UnsafeRawBufferPointer, generation: UInt64, source: String) -> (
        [CheckpointCodec.Delta], AggregationError?
    ) {
        var deltas: [CheckpointCodec.Delta] = []
        var offset = 0
        while offset < log.count {
            do throws(AggregationError) {
                let length = try CheckpointCodec.deltaRecordLength(log, at: offset, source: source)
                let delta = try CheckpointCodec.parseDelta(log, at: offset, length: length, source: source)
                let expected = UInt64(deltas.count + 1)
                guard delta.baseGeneration == generation, delta.sequence == expected else {
                    return (
                        deltas,
                        AggregationError(
                            .corrupt,
                            "delta record at byte \(offset) is number \(delta.sequence) of generation \(delta.baseGeneration), expected number \(expected) of generation \(generation)",
                            source: source)
                    )
                }
                deltas.append(delta)
                offset += length
            } catch {
                return (deltas, error)
            }
        }
        return (deltas, nil)
    }
}
