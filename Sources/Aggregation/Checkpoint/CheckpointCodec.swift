internal import CLibdeflate

#if _endian(big)
    #error("The checkpoint format copies little-endian memory; big-endian hosts are not supported")
#endif

/// The binary checkpoint format (version 2; version 1 is still read). All integers little-endian.
///
/// ```
/// header   "AURACKPT" | version u16 | flags u16 | sections u32 | payload length u64
/// section  tag u32 | reserved u32 | length u64 | data, zero-padded to a multiple of 8
///          (repeated; payload = all sections)
/// trailer  CRC-32 (the zlib polynomial, computed with libdeflate) of header + payload, u32 | "END!"
/// ```
/// Sections: 1 counters, 2 interned strings (ends u32[], arena), 3 audit rows, 4 gateway
/// rows, 5 period statistics + per-day counts, 6 dedup table, 7 closed
/// periods, 8 partitions (topic, partition, watermark, next offset), 9 closed-through marks
/// (OB, period), 10 compacted quantities (OB, component, period, billedIn u32 each, queries
/// i64; `PartitionState.retained`). Row arrays are copied with one memcpy each; unknown section
/// tags are skipped (forward compatible within a version). Tags 11–16 belong to delta records.
///
/// This is the *base* of a checkpoint generation. Incremental checkpoints append delta records
/// (`CheckpointCodec+Delta.swift`, magic `AURADLTA`, version 3) to the base's log file
/// (`CheckpointStore`); a base needs no log, so a directory written before deltas existed (or by
/// a scale-out instance) loads unchanged, and an older build that ignores logs resumes from the
/// base's offsets.
///
/// The dedup section is `capacity u64 | count u64` then, in version 2, only the occupied
/// entries in slot order: `count` fingerprints (lo u64, hi u64) and their `count` references
/// (u32), 20 bytes per key; version 1 stored the raw slot arrays (20 bytes per *slot*, about
/// 34 bytes per key at the table's usual load). Loading rebuilds the table at `capacity`.
package enum CheckpointCodec {
    package static let magic: [UInt8] = Array("AURACKPT".utf8)
    package static let trailerMagic: [UInt8] = Array("END!".utf8)
    package static let version: UInt16 = 2
    static let headerSize = 24
    static let trailerSize = 8

    enum Tag: UInt32 {
        case counters = 1
        case strings
        case audit
        case gateway
        case stats
        case dedup
        case closed
        case partitions
        case closedThrough
        case retained
        // 11... are the sections of a delta record (`CheckpointCodec+Delta.swift`).
        case deltaHeader = 11
        case stringsAdded
        case auditChanged
        case gatewayChanged
        case statsChanged
        case dedupAdded
    }

    /// Checks that the POD rows have the layout the format copies.
    /// Invariant: the row structs declare explicit padding, so size == stride == these values.
    static func checkLayouts() {
        precondition(MemoryLayout<AuditRow>.size == 32 && MemoryLayout<AuditRow>.stride == 32, "AuditRow layout")
        precondition(MemoryLayout<GatewayRow>.size == 32 && MemoryLayout<GatewayRow>.stride == 32, "GatewayRow layout")
        precondition(
            MemoryLayout<PeriodStatsRow>.size == 48 && MemoryLayout<PeriodStatsRow>.stride == 48,
            "PeriodStatsRow layout")
    }

    /// Encodes the state.
    package static func encode(_ state: PartitionState) -> [UInt8] {
        checkLayouts()
        let estimate =
            headerSize + trailerSize + 8 * 64 + state.strings.arena.count + 4 * state.strings.count
            + 32 * (state.auditRows.count + state.gatewayRows.count) + (48 + 31 * 8) * state.stats.count
            + 20 * state.dedup.count + 8 * state.closed.count
            + state.partitions.reduce(0) { $0 + 32 + $1.key.topic.utf8.count }
        var w = beginRecord(magic: magic, version: version, sections: 10, capacity: estimate)

        func section(_ tag: Tag, _ body: (inout ByteWriter) -> Void) {
            Self.section(tag, into: &w, body)
        }

        section(.counters) { writeCounters(state, into: &$0) }
        section(.strings) { w in
            w.u64(UInt64(state.strings.count))
            w.raw(state.strings.ends)
            w.align8()
            w.u64(UInt64(state.strings.arena.count))
            w.raw(state.strings.arena)
        }
        section(.audit) { w in
            w.u64(UInt64(state.auditRows.count))
            w.raw(state.auditRows)
        }
        section(.gateway) { w in
            w.u64(UInt64(state.gatewayRows.count))
            w.raw(state.gatewayRows)
        }
        section(.stats) { w in
            w.u64(UInt64(state.stats.count))
            w.raw(state.stats)
            w.raw(state.dayCounts)
        }
        section(.dedup) { w in
            w.u64(UInt64(state.dedup.capacity))
            w.u64(UInt64(state.dedup.count))
            let count = state.dedup.count
            let fingerprints = w.zeros(16 * count)
            let references = w.zeros(4 * count)
            w.bytes.withUnsafeMutableBytes { out in
                // The two regions were just appended (16 * count and 4 * count bytes); the
                // pointer does not escape this closure.
                state.dedup.exportOccupied(
                    fingerprints: out.baseAddress! + fingerprints,
                    references: out.baseAddress! + references)
            }
        }
        section(.closed) { writeClosed(state, into: &$0) }
        section(.partitions) { writePartitions(state, into: &$0) }
        section(.closedThrough) { writeClosedThrough(state, into: &$0) }
        section(.retained) { w in
            let entries = state.retained.sorted {
                ($0.key.ob, $0.key.component, $0.key.period, $0.key.billedIn)
                    < ($1.key.ob, $1.key.component, $1.key.period, $1.key.billedIn)
            }
            w.u64(UInt64(entries.count))
            for (key, queries) in entries {
                w.u32(key.ob)
                w.u32(key.component)
                w.u32(UInt32(bitPattern: key.period))
                w.u32(UInt32(bitPattern: key.billedIn))
                w.i64(queries)
            }
        }
        return endRecord(&w)
    }

    /// zlib CRC-32 of `bytes`.
    package static func crc32(of bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        // libdeflate_crc32 reads exactly `count` bytes from `base`; the pointer does not escape.
        // It computes zlib's CRC-32 (same polynomial and result), with carry-less multiplication.
        return libdeflate_crc32(0, base, bytes.count)
    }

    /// Decodes a checkpoint; `source` (the file) goes into errors.
    /// - Throws: `.emptyFile`, `.truncated`, `.corrupt` (magic, sections), `.newerVersion`,
    ///   `.checksumMismatch`.
    package static func decode(_ bytes: UnsafeRawBufferPointer, zones: OBTimeZones, source: String)
        throws(AggregationError) -> PartitionState
    {
        var parts = try decodeParts(bytes, zones: zones, source: source)
        try buildDedup(&parts, base: bytes, log: UnsafeRawBufferPointer(start: nil, count: 0), source: source)
        return try finish(&parts, source: source)
    }

    /// A decoded base not yet validated, with its strings still raw, so deltas can be applied
    /// (`CheckpointCodec+Delta.swift`) before the one validation and index rebuild of `finish`.
    struct Parts {
        var state: PartitionState
        var arena: [UInt8] = []
        var ends: [UInt32] = []
        /// The base's dedup section, not built into a table yet (`buildDedup`): its capacity,
        /// key count and byte offset in the base bytes; `nil` for a version-1 base (its table is
        /// built while decoding) and once built.
        var baseKeys: (capacity: Int, count: Int, at: Int)?
        /// The dedup keys of the delta records applied, in the log bytes: byte offsets of their
        /// fingerprints and references, and how many (`CheckpointCodec.apply`).
        var deltaKeys: [(fingerprintsAt: Int, referencesAt: Int, count: Int)] = []
        /// Dedup keys of the state so far: the base's plus the applied records'.
        var keyCount = 0
    }

    /// Checks and decodes a full checkpoint without validating its references, and without
    /// building its dedup table (`buildDedup` does, with the keys of the deltas applied meanwhile).
    static func decodeParts(_ bytes: UnsafeRawBufferPointer, zones: OBTimeZones, source: String)
        throws(AggregationError) -> Parts
    {
        checkLayouts()
        guard bytes.count > 0 else { throw AggregationError(.emptyFile, "checkpoint file is empty", source: source) }
        guard bytes.count >= headerSize else {
            throw AggregationError(
                .truncated, "checkpoint has \(bytes.count) bytes, shorter than its header", source: source)
        }
        guard bytes.prefix(8).elementsEqual(magic) else {
            throw AggregationError(.corrupt, "not a checkpoint (magic is not AURACKPT)", source: source)
        }
        var header = ByteReader(bytes, from: 8, source: source)
        let version = try header.u16("version")
        guard version <= Self.version else {
            throw AggregationError(
                .newerVersion,
                "checkpoint format version \(version) is newer than \(Self.version), which this build reads",
                source: source)
        }
        _ = try header.u16("flags")
        let sectionCount = try header.u32("section count")
        let payload = try header.u64("payload length")
        guard payload <= UInt64(bytes.count), bytes.count >= headerSize + Int(payload) + trailerSize else {
            throw AggregationError(
                .truncated,
                "checkpoint is \(bytes.count) bytes but declares \(headerSize + Int(min(payload, UInt64(Int32.max))) + trailerSize)",
                source: source)
        }
        let bodyEnd = headerSize + Int(payload)
        guard bytes.count == bodyEnd + trailerSize else {
            throw AggregationError(
                .corrupt, "checkpoint has \(bytes.count - bodyEnd - trailerSize) bytes after its trailer",
                source: source)
        }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bodyEnd, as: UInt32.self))
        let actual = crc32(of: UnsafeRawBufferPointer(rebasing: bytes[0..<bodyEnd]))
        guard stored == actual, bytes[(bodyEnd + 4)...].elementsEqual(trailerMagic) else {
            throw AggregationError(
                .checksumMismatch, "checkpoint checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))",
                source: source)
        }

        var state = PartitionState(zones: zones)
        var arena: [UInt8] = []
        var ends: [UInt32] = []
        var baseKeys: (capacity: Int, count: Int, at: Int)?
        var reader = ByteReader(bytes, from: headerSize, end: bodyEnd, source: source)
        let seen = try forEachSection(bytes, count: sectionCount, in: &reader, source: source) {
            (tag, s) throws(AggregationError) in
            switch Tag(rawValue: tag) {
            case .counters:
                try readCounters(&s, into: &state)
            case .strings:
                let n = try s.count(4, "strings")
                ends = try s.raw(UInt32.self, count: n, "string ends")
                try s.skipTo8()
                let arenaCount = try s.count(1, "arena")
                arena = try s.raw(UInt8.self, count: arenaCount, "arena")
            case .audit:
                let n = try s.count(32, "audit rows")
                state.auditRows = try s.raw(AuditRow.self, count: n, "audit rows")
            case .gateway:
                let n = try s.count(32, "gateway rows")
                state.gatewayRows = try s.raw(GatewayRow.self, count: n, "gateway rows")
            case .stats:
                let n = try s.count(48 + 31 * 8, "statistics")
                state.stats = try s.raw(PeriodStatsRow.self, count: n, "statistics")
                state.dayCounts = try s.raw(Int64.self, count: n * 31, "day counts")
            case .dedup where version == 1:
                let capacity = try s.count(20, "dedup capacity")
                let count = try s.bounded(Int(Int32.max), "dedup count")
                let keys = try s.raw(UInt64.self, count: 2 * capacity, "dedup keys")
                let refs = try s.raw(UInt32.self, count: capacity, "dedup refs")
                guard let table = DedupTable(rawKeys: keys, rawRefs: refs, count: count) else {
                    throw s.fail("dedup table shape (capacity \(capacity), count \(count))")
                }
                state.dedup = table
            case .dedup:
                let capacity = try s.bounded(Int(Int32.max), "dedup capacity")
                let count = try s.count(20, "dedup count")
                try s.need(20 * count, "dedup entries")
                // The capacity bound keeps a damaged header from allocating without limit: tables
                // grow by doubling at load 0.9 and `reserve` for merges, far below 8 slots per key.
                guard capacity >= 16, capacity <= max(1 << 16, 8 * count),
                    count <= DedupTable.maxCount(capacity: 3 * ((capacity + 2) / 3))
                else { throw s.fail("dedup table (capacity \(capacity), count \(count): shape)") }
                baseKeys = (capacity, count, s.offset)
                s.offset += 20 * count
            case .closed:
                state.closed = try readClosed(&s)
            case .partitions:
                state.partitions = try readPartitions(&s)
            case .closedThrough:
                state.closedThrough = try readClosedThrough(&s)
            case .retained:
                let n = try s.count(24, "compacted quantities")
                for _ in 0..<n {
                    let key = RetainedUsageKey(
                        ob: try s.u32("compacted ob"), component: try s.u32("compacted component"),
                        period: Int32(bitPattern: try s.u32("compacted period")),
                        billedIn: Int32(bitPattern: try s.u32("compacted billedIn")))
                    let queries = try s.i64("compacted queries")
                    guard state.retained.updateValue(queries, forKey: key) == nil else {
                        throw s.fail("repeated compacted quantity")
                    }
                }
            case nil, .deltaHeader, .stringsAdded, .auditChanged, .gatewayChanged, .statsChanged, .dedupAdded:
                return  // unknown section of a compatible writer (delta sections do not belong here)
            }
        }
        let required: Set<UInt32> = Set((1...9).map { UInt32($0) })
        guard required.isSubset(of: seen) else {
            throw AggregationError(
                .corrupt, "checkpoint lacks sections \(required.subtracting(seen).sorted())", source: source)
        }
        return Parts(
            state: state, arena: arena, ends: ends, baseKeys: baseKeys,
            keyCount: baseKeys?.count ?? state.dedup.count)
    }

    /// Builds the dedup table of `parts` from the base's keys (in `base`, the bytes
    /// `decodeParts` read) and those of the delta records applied (in `log`, the bytes they were
    /// parsed from) in one pass, at the capacity the base's table would have grown to
    /// (`reservedCapacity`), so nothing is rehashed.
    /// - Throws: `.corrupt` for a zero or repeated key.
    static func buildDedup(
        _ parts: inout Parts, base: UnsafeRawBufferPointer, log: UnsafeRawBufferPointer, source: String
    ) throws(AggregationError) {
        // The offsets were bounds-checked by `decodeParts` and `parseDelta` against these very
        // buffers (`need(20 * count)`), which the caller keeps alive; nothing escapes this call.
        let runs = parts.deltaKeys.map { k in
            (
                fingerprints: UnsafeRawBufferPointer(
                    rebasing: log[k.fingerprintsAt..<(k.fingerprintsAt + 16 * k.count)]),
                references: UnsafeRawBufferPointer(rebasing: log[k.referencesAt..<(k.referencesAt + 4 * k.count)])
            )
        }
        let added = parts.deltaKeys.reduce(0) { $0 + $1.count }
        defer { parts.deltaKeys = [] }
        guard let k = parts.baseKeys else {
            // A version-1 base: its table was built while decoding (no delta follows one in
            // practice, but a log is read the same way).
            parts.state.dedup.reserve(additional: added)
            for run in runs {
                for i in 0..<(run.references.count / 4) {
                    let fp = Fingerprint(
                        lo: run.fingerprints.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self),
                        hi: run.fingerprints.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self))
                    guard fp.lo | fp.hi != 0,
                        parts.state.dedup.insert(
                            fp, ref: run.references.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) == nil
                    else {
                        throw AggregationError(
                            .corrupt, "delta records add a zero or repeated dedup key", source: source)
                    }
                }
            }
            return
        }
        guard
            let table = DedupTable(
                capacity: reservedCapacity(k.capacity, count: k.count, adding: added),
                fingerprints: UnsafeRawBufferPointer(rebasing: base[k.at..<(k.at + 16 * k.count)]),
                references: UnsafeRawBufferPointer(rebasing: base[(k.at + 16 * k.count)..<(k.at + 20 * k.count)]),
                merging: runs)
        else {
            throw AggregationError(
                .corrupt,
                runs.isEmpty
                    ? "checkpoint dedup table (capacity \(k.capacity), count \(k.count)) holds a zero or repeated key"
                    : "checkpoint dedup table (capacity \(k.capacity), count \(k.count)) and its \(runs.count) delta records hold a zero or repeated key",
                source: source)
        }
        parts.baseKeys = nil
        parts.state.dedup = table
    }

    /// Builds the strings, validates every reference and count, and rebuilds the indexes.
    static func finish(_ parts: inout Parts, source: String) throws(AggregationError) -> PartitionState {
        guard let table = InternTable(arena: parts.arena, ends: parts.ends) else {
            throw AggregationError(
                .corrupt, "checkpoint string offsets are not ascending within the arena", source: source)
        }
        parts.arena = []
        parts.ends = []
        var state = parts.state
        parts.state = PartitionState(zones: state.zones)  // release the references: no copy below
        state.strings = table
        try validateReferences(state, source: source)
        guard state.rebuildIndexes() else {
            throw AggregationError(.corrupt, "checkpoint rows repeat a key or name an unknown string", source: source)
        }
        return state
    }

    /// The capacity a table of `count` keys loaded at `capacity` needs to take `adding` more
    /// without a resize: doubled, as the live table grows, until they fit.
    static func reservedCapacity(_ capacity: Int, count: Int, adding: Int) -> Int {
        var buckets = (capacity + 2) / 3
        while DedupTable.maxCount(capacity: 3 * buckets) < count + adding { buckets *= 2 }
        return 3 * buckets
    }

    /// Every dedup reference (row and day) and closed period must point inside the loaded arrays.
    private static func validateReferences(_ state: PartitionState, source: String) throws(AggregationError) {
        let audit = state.auditRows.count
        let gateway = state.gatewayRows.count
        var bad = false
        state.dedup.forEach { _, raw in
            let ref = DedupRef(rawValue: raw)
            // Day bits 31 (day 32) fit the reference but no day count: merging would trap.
            if ref.row >= (ref.isGateway ? gateway : audit) || ref.day > 31 { bad = true }
        }
        let strings = UInt32(state.strings.count)
        if state.closed.contains(where: { $0.ob >= strings })
            || state.closedThrough.keys.contains(where: { $0 >= strings })
            || state.retained.keys.contains(where: { $0.ob >= strings || $0.component >= strings })
        {
            bad = true
        }
        if bad {
            throw AggregationError(.corrupt, "checkpoint references rows or strings it does not hold", source: source)
        }
        try validateCounts(state, source: source)
    }

    /// Largest count a loaded checkpoint may hold anywhere (2^53): far above any real count, and
    /// low enough that adding up the states of many partitions (`merge`) and counting on cannot
    /// overflow `Int64`.
    static let maxCount: Int64 = 1 << 53

    /// Every counter must lie in 0...`maxCount` (a crafted file cannot make later sums trap).
    private static func validateCounts(_ state: PartitionState, source: String) throws(AggregationError) {
        let range: ClosedRange<Int64> = 0...maxCount
        let ok =
            range.contains(state.records) && range.contains(state.duplicates) && range.contains(state.late)
            && range.contains(state.quarantined)
            && state.auditRows.allSatisfy { range.contains($0.count) }
            && state.gatewayRows.allSatisfy { range.contains($0.messages) && range.contains($0.nlpMessages) }
            && state.stats.allSatisfy {
                range.contains($0.events) && range.contains($0.duplicates) && range.contains($0.late)
            }
            && state.dayCounts.allSatisfy { range.contains($0) }
            && state.retained.values.allSatisfy { range.contains($0) }
        guard ok else {
            throw AggregationError(
                .corrupt, "checkpoint holds a count outside 0...\(maxCount) (negative or implausibly large)",
                source: source)
        }
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
