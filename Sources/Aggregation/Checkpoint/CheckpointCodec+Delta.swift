/// Delta records: what changed in a state since the previous checkpoint of its chain.
///
/// A delta log `<name>.<generation>.delta` (`CheckpointStore`) follows the base
/// `<name>.<generation>.ckpt` and holds records appended one per incremental checkpoint. A record
/// is framed like a base, with its own magic:
///
/// ```
/// header   "AURADLTA" | version u16 (3) | flags u16 | sections u32 | payload length u64
/// section  tag u32 | reserved u32 | length u64 | data, zero-padded to a multiple of 8
/// trailer  CRC-32 of header + payload, u32 | "END!"
/// ```
/// Sections: 11 delta header (base generation u64, sequence u64 — 1, 2, … within the log — and
/// the counts the record applies to: strings, audit rows, gateway rows, statistics rows, dedup
/// keys, u64 each); 12 strings added (count u64, their end offsets u32[] in the whole arena,
/// padding, arena start u64, byte count u64, bytes); 13 audit and 14 gateway rows changed or
/// added (count u64, row indexes u32[], padding, the rows, 32 bytes each); 15 statistics changed
/// or added (count u64, then per row: index u32, day mask u32, the 48-byte row, one i64 per day
/// in the mask — the days whose count changed); 16 dedup keys added (count u64, fingerprints
/// 16 bytes each, references u32 each, padding; grouped by the top 10 bits of `hi`, ascending,
/// so that a restore inserts them in home order — readers accept any order); and, written whole as in a base, 1 counters,
/// 7 closed periods, 8 partitions (offsets, watermarks) and 9 closed-through marks. Rows keep
/// their index (rows are only appended or updated between two bases; anything that removes or
/// renumbers makes the next checkpoint a base), so a record costs about 20 bytes per new key
/// plus the rows and statistics it touched and a few hundred bytes of whole sections.
extension CheckpointCodec {
    package static let deltaMagic: [UInt8] = Array("AURADLTA".utf8)
    package static let deltaVersion: UInt16 = 3

    /// The counts a delta record applies to.
    struct DeltaCounts: Equatable {
        var strings: Int
        var audit: Int
        var gateway: Int
        var stats: Int
        var dedup: Int
    }

    /// A delta record checked (frame and CRC) and parsed, not yet applied.
    struct Delta {
        var baseGeneration: UInt64 = 0
        var sequence: UInt64 = 0
        var before = DeltaCounts(strings: 0, audit: 0, gateway: 0, stats: 0, dedup: 0)
        var ends: [UInt32] = []
        var arenaStart = 0
        var arena: [UInt8] = []
        var auditIndexes: [UInt32] = []
        var auditRows: [AuditRow] = []
        var gatewayIndexes: [UInt32] = []
        var gatewayRows: [GatewayRow] = []
        var statsIndexes: [UInt32] = []
        var statsMasks: [UInt32] = []
        var statsRows: [PeriodStatsRow] = []
        /// The days of every mask, in order.
        var statsDays: [Int64] = []
        /// The dedup keys added: how many, and the byte offsets of their fingerprints (16 bytes
        /// each) and references (4 bytes each) in the log bytes parsed (not copied: they go
        /// straight into the table `buildDedup` makes, binned with the base's).
        var keyCount = 0
        var fingerprintsAt = 0
        var referencesAt = 0
        var records: Int64 = 0
        var duplicates: Int64 = 0
        var late: Int64 = 0
        var quarantined: Int64 = 0
        var closed: Set<PeriodKey> = []
        var partitions: [PartitionProgress] = []
        var closedThrough: [UInt32: Int32] = [:]
    }

    // MARK: Encode

    /// Encodes what changed in `state` since its baseline (`StateChanges`) as delta record
    /// `sequence` of the log of base `baseGeneration`.
    /// - Precondition: `state.hasDelta(chain:)` for the chain of that base (the store checks).
    static func encodeDelta(_ state: PartitionState, baseGeneration: UInt64, sequence: UInt64) -> [UInt8] {
        checkLayouts()
        let c = state.changes
        // Invariant: the store calls this only when `hasDelta` holds, so the arrays only grew.
        precondition(
            state.auditRows.count >= c.auditShadow.count && state.gatewayRows.count >= c.gatewayShadow.count
                && state.stats.count >= c.statsShadow.count && state.strings.count >= c.strings,
            "a delta needs a baseline the state only added to")
        let audit = changedRows(state.auditRows, c.auditShadow)
        let gateway = changedRows(state.gatewayRows, c.gatewayShadow)
        let (statsIndexes, statsMasks) = changedStats(state, c)
        let newStrings = state.strings.count - c.strings
        let arenaStart = c.strings == 0 ? 0 : Int(state.strings.ends[c.strings - 1])
        let estimate =
            512 + 24 * c.keys.count + 36 * (audit.count + gateway.count) + 300 * statsIndexes.count
            + 4 * newStrings + (state.strings.arena.count - arenaStart) + 8 * state.closed.count
            + state.partitions.reduce(0) { $0 + 32 + $1.key.topic.utf8.count }
        var w = beginRecord(magic: deltaMagic, version: deltaVersion, sections: 10, capacity: estimate)
        section(.deltaHeader, into: &w) { w in
            w.u64(baseGeneration)
            w.u64(sequence)
            w.u64(UInt64(c.strings))
            w.u64(UInt64(c.auditShadow.count))
            w.u64(UInt64(c.gatewayShadow.count))
            w.u64(UInt64(c.statsShadow.count))
            w.u64(UInt64(state.dedup.count - c.keys.count))
        }
        section(.stringsAdded, into: &w) { w in
            w.u64(UInt64(newStrings))
            state.strings.ends.withUnsafeBytes { w.raw(UnsafeRawBufferPointer(rebasing: $0[(4 * c.strings)...])) }
            w.align8()
            w.u64(UInt64(arenaStart))
            w.u64(UInt64(state.strings.arena.count - arenaStart))
            state.strings.arena.withUnsafeBytes { w.raw(UnsafeRawBufferPointer(rebasing: $0[arenaStart...])) }
        }
        section(.auditChanged, into: &w) { w in writeRows(state.auditRows, audit, into: &w) }
        section(.gatewayChanged, into: &w) { w in writeRows(state.gatewayRows, gateway, into: &w) }
        section(.statsChanged, into: &w) { w in
            w.u64(UInt64(statsIndexes.count))
            for (i, mask) in zip(statsIndexes, statsMasks) {
                w.u32(i)
                w.u32(mask)
                withUnsafeBytes(of: state.stats[Int(i)]) { w.raw($0) }
                for d in 0..<31 where mask & (1 << UInt32(d)) != 0 { w.i64(state.dayCounts[Int(i) * 31 + d]) }
            }
        }
        section(.dedupAdded, into: &w) { w in
            w.u64(UInt64(c.keys.count))
            let order = DedupTable.homeOrder(c.keys.count) { c.keys[$0].hi }
            for i in order {
                w.u64(c.keys[Int(i)].lo)
                w.u64(c.keys[Int(i)].hi)
            }
            for i in order { w.u32(c.keys[Int(i)].ref) }
        }
        section(.counters, into: &w) { writeCounters(state, into: &$0) }
        section(.closed, into: &w) { writeClosed(state, into: &$0) }
        section(.partitions, into: &w) { writePartitions(state, into: &$0) }
        section(.closedThrough, into: &w) { writeClosedThrough(state, into: &$0) }
        return endRecord(&w)
    }

    /// Indexes of rows that differ from the baseline copy, then of every row added since.
    /// Rows are compared as 8-byte words (POD, no implicit padding: `checkLayouts`).
    private static func changedRows<Row>(_ current: [Row], _ shadow: [Row]) -> [UInt32] {
        var changed: [UInt32] = []
        let words = MemoryLayout<Row>.stride / 8
        current.withUnsafeBytes { now in
            shadow.withUnsafeBytes { then in
                // Both hold at least `shadow.count` rows of `8 * words` bytes; nothing escapes.
                for i in 0..<shadow.count {
                    let base = 8 * words * i
                    for k in 0..<words
                    where now.loadUnaligned(fromByteOffset: base + 8 * k, as: UInt64.self)
                        != then.loadUnaligned(fromByteOffset: base + 8 * k, as: UInt64.self)
                    {
                        changed.append(UInt32(i))
                        break
                    }
                }
            }
        }
        for i in shadow.count..<current.count { changed.append(UInt32(i)) }
        return changed
    }

    /// Statistics rows whose row or day counts changed (or that are new), with the mask of
    /// their changed days (compared with zero for new rows).
    private static func changedStats(_ state: PartitionState, _ c: StateChanges) -> ([UInt32], [UInt32]) {
        var indexes: [UInt32] = []
        var masks: [UInt32] = []
        for i in 0..<state.stats.count {
            let old = i < c.statsShadow.count
            var mask: UInt32 = 0
            for d in 0..<31 {
                let before = old ? c.dayShadow[i * 31 + d] : 0
                if state.dayCounts[i * 31 + d] != before { mask |= 1 << UInt32(d) }
            }
            if !old || mask != 0 || state.stats[i] != c.statsShadow[i] {
                indexes.append(UInt32(i))
                masks.append(mask)
            }
        }
        return (indexes, masks)
    }

    private static func writeRows<Row>(_ rows: [Row], _ indexes: [UInt32], into w: inout ByteWriter) {
        w.u64(UInt64(indexes.count))
        for i in indexes { w.u32(i) }
        w.align8()
        for i in indexes { withUnsafeBytes(of: rows[Int(i)]) { w.raw($0) } }
    }

    // MARK: Decode

    /// The length of the delta record at `start` of `bytes` (header, payload, trailer), after
    /// checking its frame and CRC.
    /// - Throws: `.truncated` when the record runs past the end (a torn append), `.corrupt`
    ///   (magic, lengths), `.newerVersion`, `.checksumMismatch`.
    static func deltaRecordLength(_ bytes: UnsafeRawBufferPointer, at start: Int, source: String)
        throws(AggregationError) -> Int
    {
        let available = bytes.count - start
        guard available >= headerSize else {
            throw AggregationError(
                .truncated, "delta record at byte \(start) has \(available) bytes, shorter than its header",
                source: source)
        }
        guard bytes[start..<(start + 8)].elementsEqual(deltaMagic) else {
            throw AggregationError(.corrupt, "no delta record at byte \(start) (magic is not AURADLTA)", source: source)
        }
        var header = ByteReader(bytes, from: start + 8, source: source)
        let version = try header.u16("version")
        guard version <= deltaVersion else {
            throw AggregationError(
                .newerVersion, "delta format version \(version) is newer than \(deltaVersion), which this build reads",
                source: source)
        }
        _ = try header.u16("flags")
        _ = try header.u32("section count")
        let payload = try header.u64("payload length")
        guard payload <= UInt64(available), available >= headerSize + Int(payload) + trailerSize else {
            throw AggregationError(
                .truncated, "delta record at byte \(start) runs past the end of the file (\(available) bytes left)",
                source: source)
        }
        let bodyEnd = start + headerSize + Int(payload)
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bodyEnd, as: UInt32.self))
        let actual = crc32(of: UnsafeRawBufferPointer(rebasing: bytes[start..<bodyEnd]))
        guard stored == actual, bytes[(bodyEnd + 4)..<(bodyEnd + 8)].elementsEqual(trailerMagic) else {
            throw AggregationError(
                .checksumMismatch,
                "delta record at byte \(start) checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))",
                source: source)
        }
        return headerSize + Int(payload) + trailerSize
    }

    /// Parses the delta record at `start` whose frame `deltaRecordLength` checked.
    static func parseDelta(_ bytes: UnsafeRawBufferPointer, at start: Int, length: Int, source: String)
        throws(AggregationError) -> Delta
    {
        var d = Delta()
        let sectionCount = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 12, as: UInt32.self))
        var reader = ByteReader(bytes, from: start + headerSize, end: start + length - trailerSize, source: source)
        let seen = try forEachSection(bytes, count: sectionCount, in: &reader, source: source) {
            (tag, s) throws(AggregationError) in
            switch Tag(rawValue: tag) {
            case .deltaHeader:
                d.baseGeneration = try s.u64("base generation")
                d.sequence = try s.u64("sequence")
                d.before = DeltaCounts(
                    strings: try s.bounded(InternTable.maxCount, "strings before"),
                    audit: try s.bounded(DedupRef.maxRows, "audit rows before"),
                    gateway: try s.bounded(DedupRef.maxRows, "gateway rows before"),
                    stats: try s.bounded(Int(Int32.max), "statistics before"),
                    dedup: try s.bounded(Int(Int32.max), "dedup keys before"))
            case .stringsAdded:
                let n = try s.count(4, "strings added")
                d.ends = try s.raw(UInt32.self, count: n, "string ends")
                try s.skipTo8()
                d.arenaStart = try s.bounded(Int(UInt32.max), "arena start")
                let bytes = try s.count(1, "arena added")
                d.arena = try s.raw(UInt8.self, count: bytes, "arena added")
            case .auditChanged:
                (d.auditIndexes, d.auditRows) = try readRows(&s, AuditRow.self, "audit rows")
            case .gatewayChanged:
                (d.gatewayIndexes, d.gatewayRows) = try readRows(&s, GatewayRow.self, "gateway rows")
            case .statsChanged:
                let n = try s.count(56, "statistics changed")
                for _ in 0..<n {
                    d.statsIndexes.append(try s.u32("statistics index"))
                    let mask = try s.u32("day mask")
                    guard mask < 1 << 31 else { throw s.fail("day mask \(mask)") }
                    d.statsMasks.append(mask)
                    d.statsRows.append(contentsOf: try s.raw(PeriodStatsRow.self, count: 1, "statistics row"))
                    for _ in 0..<mask.nonzeroBitCount { d.statsDays.append(try s.i64("day count")) }
                }
            case .dedupAdded:
                let n = try s.count(20, "dedup keys added")
                try s.need(20 * n, "dedup keys added")
                d.keyCount = n
                d.fingerprintsAt = s.offset
                d.referencesAt = s.offset + 16 * n
                s.offset += 20 * n
            case .counters:
                d.records = try s.i64("records")
                d.duplicates = try s.i64("duplicates")
                d.late = try s.i64("late")
                d.quarantined = try s.i64("quarantined")
            case .closed:
                d.closed = try readClosed(&s)
            case .partitions:
                d.partitions = try readPartitions(&s)
            case .closedThrough:
                d.closedThrough = try readClosedThrough(&s)
            case nil, .strings, .audit, .gateway, .stats, .dedup, .retained:
                return  // unknown (or base) section of a compatible writer
            }
        }
        let required: Set<UInt32> = [1, 7, 8, 9, 11, 12, 13, 14, 15, 16]
        guard required.isSubset(of: seen) else {
            throw AggregationError(
                .corrupt, "delta record at byte \(start) lacks sections \(required.subtracting(seen).sorted())",
                source: source)
        }
        return d
    }

    private static func readRows<Row>(_ s: inout ByteReader, _ type: Row.Type, _ what: String)
        throws(AggregationError) -> ([UInt32], [Row])
    {
        let n = try s.count(4 + MemoryLayout<Row>.stride, what)
        let indexes = try s.raw(UInt32.self, count: n, what)
        try s.skipTo8()
        return (indexes, try s.raw(Row.self, count: n, what))
    }

    /// The counts a base or delta leaves (what the next delta must say it applies to).
    static func counts(_ parts: Parts) -> DeltaCounts {
        DeltaCounts(
            strings: parts.ends.count, audit: parts.state.auditRows.count, gateway: parts.state.gatewayRows.count,
            stats: parts.state.stats.count, dedup: parts.keyCount)
    }

    /// Applies `d` to a decoded base (and the deltas before it). Everything is checked before
    /// anything changes, except the dedup keys: they are queued in `parts` and inserted by
    /// `buildDedup` after the last record, which refuses the generation for a zero or repeated key.
    /// - Precondition: `d.before == counts(parts)` (the store checks, to stop at a foreign record).
    /// - Throws: `.corrupt` when the record does not fit the state (the whole generation is then
    ///   unusable: a checksummed record that does not fit is not a torn write).
    static func apply(_ d: Delta, to parts: inout Parts, source: String) throws(AggregationError) {
        func corrupt(_ what: String) -> AggregationError {
            AggregationError(
                .corrupt, "delta record \(d.sequence) does not fit its base: \(what)", source: source)
        }
        // Strings: appended after the arena, ends ascending (checked again by `finish`).
        guard d.arenaStart == parts.arena.count, d.ends.first.map({ Int($0) >= d.arenaStart }) ?? true,
            d.ends.last.map({ Int($0) == d.arenaStart + d.arena.count }) ?? d.arena.isEmpty
        else { throw corrupt("strings") }
        try checkRows(d.auditIndexes, d.auditRows, parts.state.auditRows, key: \.key, corrupt("audit rows"))
        try checkRows(d.gatewayIndexes, d.gatewayRows, parts.state.gatewayRows, key: \.key, corrupt("gateway rows"))
        try checkRows(
            d.statsIndexes, d.statsRows, parts.state.stats, key: { PeriodKey(ob: $0.ob, period: $0.period) },
            corrupt("statistics"))
        guard d.statsDays.count == d.statsMasks.reduce(0, { $0 + $1.nonzeroBitCount }) else {
            throw corrupt("shapes")
        }

        parts.ends.append(contentsOf: d.ends)
        parts.arena.append(contentsOf: d.arena)
        put(d.auditIndexes, d.auditRows, into: &parts.state.auditRows)
        put(d.gatewayIndexes, d.gatewayRows, into: &parts.state.gatewayRows)
        var day = 0
        for (k, i) in d.statsIndexes.enumerated() {
            let row = Int(i)
            if row == parts.state.stats.count {
                parts.state.stats.append(d.statsRows[k])
                parts.state.dayCounts.append(contentsOf: repeatElement(0, count: 31))
            } else {
                parts.state.stats[row] = d.statsRows[k]
            }
            for bit in 0..<31 where d.statsMasks[k] & (1 << UInt32(bit)) != 0 {
                parts.state.dayCounts[row * 31 + bit] = d.statsDays[day]
                day += 1
            }
        }
        parts.deltaKeys.append((d.fingerprintsAt, d.referencesAt, d.keyCount))
        parts.keyCount += d.keyCount
        parts.state.records = d.records
        parts.state.duplicates = d.duplicates
        parts.state.late = d.late
        parts.state.quarantined = d.quarantined
        parts.state.closed = d.closed
        parts.state.partitions = d.partitions
        parts.state.closedThrough = d.closedThrough
    }

    /// Changed rows keep their key; added rows come in order right after the existing ones.
    private static func checkRows<Row, Key: Equatable>(
        _ indexes: [UInt32], _ rows: [Row], _ existing: [Row], key: (Row) -> Key,
        _ error: @autoclosure () -> AggregationError
    ) throws(AggregationError) {
        guard indexes.count == rows.count else { throw error() }
        var next = existing.count
        var previous = -1
        for (k, raw) in indexes.enumerated() {
            let i = Int(raw)
            guard i > previous else { throw error() }
            previous = i
            if i < existing.count {
                guard key(existing[i]) == key(rows[k]) else { throw error() }
            } else {
                guard i == next else { throw error() }
                next += 1
            }
        }
    }

    private static func put<Row>(_ indexes: [UInt32], _ rows: [Row], into target: inout [Row]) {
        for (k, raw) in indexes.enumerated() {
            let i = Int(raw)
            if i == target.count { target.append(rows[k]) } else { target[i] = rows[k] }
        }
    }
}
