/// Aggregates, dedup set, watermarks, closed periods and offsets of one Kafka partition (or of
/// several, after `merge`).
///
/// A value type: the daemon owns one per assigned partition and mutates it from one thread.
/// Strings (OBs, components, apps) are interned per state, so a state is self-contained in
/// its checkpoint; `merge` maps the other state's ids through their strings.
///
/// Counting rules:
/// - an event's period is the calendar month of its time in its OB's zone (`OBTimeZones`);
/// - a key already in the dedup set is a duplicate: counted in `duplicates` only;
/// - a new key whose (OB, period) is closed is *late*: counted in a row with `billedIn` set to
///   the OB's next open period, so the invoice of that period bills it as an adjustment;
/// - statistics per (OB, period): first/last event time over every copy received, unique
///   events, events per local day, duplicates, late events.
package struct PartitionState: Sendable {
    /// Time zones of the OBs.
    package let zones: OBTimeZones
    /// Interned strings of this state.
    package internal(set) var strings = InternTable()
    /// Bounds on rows and strings input can add (not part of the checkpoint: the daemon sets
    /// them from its configuration on every state it takes over).
    package var limits = InputLimits()

    package internal(set) var auditRows: [AuditRow] = []
    var auditIndex = RowIndex()
    package internal(set) var gatewayRows: [GatewayRow] = []
    var gatewayIndex = RowIndex()
    package internal(set) var stats: [PeriodStatsRow] = []
    var statsIndex = RowIndex()
    /// The last statistics row used (events come in runs of one OB and period).
    var lastStats: (key: PeriodKey, row: Int)?
    /// Per (OB, period) recently counted in: statistics row and billing period (see `count`).
    /// Cleared whenever `closed` or `closedThrough` change.
    var periodCache = PeriodCache()
    /// 31 counters per `stats` row: unique events per local day of month.
    package internal(set) var dayCounts: [Int64] = []
    package internal(set) var dedup = DedupTable()
    /// Closed (OB, period) pairs, closed one by one (`markClosed`).
    package internal(set) var closed: Set<PeriodKey> = [] {
        didSet { periodCache.removeAll() }
    }
    /// Per OB: every period up to this one (raw value) is closed, events or not
    /// (`markClosedThrough`, `closeReadyPeriods`).
    package internal(set) var closedThrough: [UInt32: Int32] = [:] {
        didSet { periodCache.removeAll() }
    }
    /// Progress of every partition this state covers.
    package internal(set) var partitions: [PartitionProgress] = []

    /// Events offered to `ingest` that decoded (unique, duplicate and late alike).
    package internal(set) var records: Int64 = 0
    /// Copies dropped as duplicates.
    package internal(set) var duplicates: Int64 = 0
    /// Unique events that arrived for a closed period.
    package internal(set) var late: Int64 = 0
    /// Messages that could not be decoded or placed (see `recordQuarantined`).
    package internal(set) var quarantined: Int64 = 0

    /// How long after its end a closed period still takes late events, judged by the event's
    /// partition watermark (`PartitionState+Retention.swift`); nil: forever. Set by the owner, not
    /// checkpointed.
    package var lateHorizonMs: Int64? = nil
    /// Audit queries of compacted (retired) periods that late rows still held need as their
    /// original quantity (`PartitionState+Compaction.swift`).
    package internal(set) var retained: [RetainedUsageKey: Int64] = [:]
    /// Bumped by every operation that removes or renumbers entries (dedup keys, rows,
    /// statistics, strings) instead of adding or updating them: an incremental checkpoint
    /// cannot express such a change, so the next checkpoint after a bump is a full one. Not
    /// checkpointed.
    package internal(set) var layoutEpoch: UInt64 = 0
    /// What changed since the last checkpoint (`StateChanges`; not checkpointed).
    package internal(set) var changes = StateChanges()

    /// Calendar of each interned OB id (filled on first sight), with a period hint.
    var calendarByID: [PeriodCalendar?] = []
    /// The same calendars, unretained, for the hot path: `calendarByID` keeps each alive for as
    /// long as this state (both are filled together and never shrink but in `rebuildIndexes`,
    /// which empties both).
    var calendarRefByID: [Unmanaged<PeriodCalendar>?] = []
    var hintByID: [Int] = []
    var offsetHintByID: [Int] = []

    /// An empty state.
    package init(zones: OBTimeZones) {
        self.zones = zones
    }

    /// What `ingest` did with an event.
    package enum Outcome: Equatable, Sendable {
        case counted
        case duplicate
        case late
    }

    // MARK: Partitions

    /// The index of `key` among `partitions`, adding it when new. Pass it to `ingest`.
    package mutating func source(_ key: PartitionKey) -> Int {
        if let index = partitions.firstIndex(where: { $0.key == key }) { return index }
        partitions.append(PartitionProgress(key: key))
        return partitions.count - 1
    }

    /// Records that the message at `offset` of partition `source` has been processed
    /// (counted, dropped or quarantined): the partition resumes at `offset + 1`.
    package mutating func markConsumed(source: Int, offset: Int64) {
        if offset + 1 > partitions[source].nextOffset { partitions[source].nextOffset = offset + 1 }
    }

    /// Counts a message that could not be decoded or placed; the caller logs/quarantines it.
    package mutating func recordQuarantined(source: Int, offset: Int64? = nil) {
        quarantined += 1
        if let offset { markConsumed(source: source, offset: offset) }
    }

    // MARK: Ingest

    /// Counts one audit event of partition `source`.
    /// - Throws: `AggregationError` when the OB has no time zone or the time is outside the
    ///   calendar window; nothing is counted then (quarantine the message).
    @discardableResult
    package mutating func ingest(_ event: AuditEvent, source: Int) throws(AggregationError) -> Outcome {
        try AuditEvent.commit(event, try AuditEvent.prepare(event, in: &self), source: source, in: &self)
    }

    /// Counts one gateway message of partition `source` (see the audit overload).
    @discardableResult
    package mutating func ingest(_ event: GatewayEvent, source: Int) throws(AggregationError) -> Outcome {
        try GatewayEvent.commit(event, try GatewayEvent.prepare(event, in: &self), source: source, in: &self)
    }

    /// What `ingest` works out about an event before it touches the dedup table and its row.
    struct Prepared {
        var fp = Fingerprint(lo: 0, hi: 0)
        var obID: UInt32 = 0
        var period = Period(rawValue: 0)
        var day = 1
        /// Interned AURA_COMPONENT_ID (audit events; 0 for gateway messages).
        var component: UInt32 = 0
        /// Interned app id, or `nullStringID`.
        var app: UInt32 = nullStringID
        /// `mixHash` of the event's row key if it is on time (`billedIn` 0): where the batched
        /// ingest prefetches the row from.
        var rowHash: UInt64 = 0
        var isGateway = false
        /// `prepare` threw for this event (batched ingest only).
        var failed = false

        /// The `mixHash` of the event's row key `key`, billed in `billedIn`: `rowHash` when on
        /// time (that is the key `prepare` hashed); a late event's key differs, so it is hashed.
        @inline(__always)
        func hash<K: RowIndexKey>(of key: K, billedIn: Int32) -> UInt64 {
            billedIn == 0 ? rowHash : key.mixHash
        }
    }

    /// The shared part of `ingest` (each kind's `CountableEvent.commit` calls it): watermark,
    /// statistics, dedup, lateness. `addToRow` counts the event in its row and returns the dedup
    /// reference.
    mutating func count(
        fp: Fingerprint, obID: UInt32, period: Period, day: Int, timeMs: Int64, source: Int,
        addToRow: (inout PartitionState, Int32) throws(AggregationError) -> DedupRef
    ) throws(AggregationError) -> Outcome {
        precondition(partitions.indices.contains(source), "source must come from source(_:)")  // programming error
        records += 1
        if timeMs > partitions[source].watermarkMs { partitions[source].watermarkMs = timeMs }
        let key = PeriodKey(ob: obID, period: period.rawValue)
        let cached = periodCache.lookup(key)
        let billedIn = cached?.billedIn ?? billingPeriod(key)
        // Refused before its statistics row exists: an event past the horizon must not bring
        // back a row of a compacted period.
        if billedIn != 0, let horizon = lateHorizonMs {
            try refuseBeyondHorizon(key, horizonMs: horizon, watermarkMs: partitions[source].watermarkMs)
        }
        let statsRow: Int
        if let cached {
            statsRow = cached.statsRow
        } else {
            statsRow = self.statsRow(key)
            periodCache.remember(key, statsRow: statsRow, billedIn: billedIn)
        }
        // The statistics row is updated in a copy and stored once on each way out (one array
        // mutation instead of up to four); nothing below touches `stats` before it is stored.
        var row = stats[statsRow]
        if timeMs < row.firstEventMs { row.firstEventMs = timeMs }
        if timeMs > row.lastEventMs { row.lastEventMs = timeMs }
        let slot: Int
        switch dedup.probe(fp) {
        case .vacant(let vacant):
            slot = vacant
        case .found(let existing):
            stats[statsRow] = row
            duplicates += 1
            let dupStats = self.statsRow(of: DedupRef(rawValue: existing))
            stats[dupStats].duplicates += 1
            return .duplicate
        }
        guard auditRows.count < DedupRef.maxRows - 1, gatewayRows.count < DedupRef.maxRows - 1 else {
            stats[statsRow] = row
            throw AggregationError(.capacity, "more than \(DedupRef.maxRows) aggregate rows in one state")
        }
        let ref: DedupRef
        do throws(AggregationError) {
            ref = try addToRow(&self, billedIn)  // touches rows and their indexes, not `stats`
        } catch {
            stats[statsRow] = row
            throw error
        }
        dedup.fill(slot, fp, ref: ref.rawValue)  // addToRow does not touch `dedup`
        if changes.isTracking { changes.log(fp, ref: ref.rawValue) }
        row.events += 1
        dayCounts[statsRow * 31 + day - 1] += 1
        if billedIn != 0 {
            row.late += 1
            stats[statsRow] = row
            late += 1
            return .late
        }
        stats[statsRow] = row
        return .counted
    }

    /// The period a new event of `key` is billed in: 0 (its own) while it is open, otherwise
    /// the OB's next open period.
    func billingPeriod(_ key: PeriodKey) -> Int32 {
        guard isClosed(key) else { return 0 }
        var next = key.period + 1
        while isClosed(PeriodKey(ob: key.ob, period: next)) { next += 1 }
        return next
    }

    /// Whether (ob, period) is closed, one by one or through a later period.
    func isClosed(_ key: PeriodKey) -> Bool {
        if let through = closedThrough[key.ob], key.period <= through { return true }
        return closed.contains(key)
    }

    /// Period and local day of an event of OB `obID` (for each kind's `CountableEvent.prepare`).
    mutating func place(obID: UInt32, timeMs: Int64) throws(AggregationError) -> (Period, Int) {
        let i = Int(obID)
        if i >= calendarRefByID.count || calendarRefByID[i] == nil { try addCalendar(obID: obID) }
        // `calendarByID[i]` holds a strong reference for the state's lifetime (see
        // `calendarRefByID`), so using the calendar unretained here is safe; it does not escape.
        let placed = calendarRefByID[i].unsafelyUnwrapped._withUnsafeGuaranteedRef {
            $0.placeOrNil(ofUTCMillis: timeMs, hint: &hintByID[i], offsetHint: &offsetHintByID[i])
        }
        guard let placed else {
            throw calendarByID[i].unsafelyUnwrapped.outOfRange(timeMs)
        }
        return (placed.period, placed.day)
    }

    /// Looks up and keeps the calendar of OB `obID`.
    private mutating func addCalendar(obID: UInt32) throws(AggregationError) {
        let i = Int(obID)
        if i >= calendarByID.count {
            calendarByID.append(contentsOf: repeatElement(nil, count: i + 1 - calendarByID.count))
            calendarRefByID.append(contentsOf: repeatElement(nil, count: i + 1 - calendarRefByID.count))
            hintByID.append(contentsOf: repeatElement(-1, count: i + 1 - hintByID.count))
            offsetHintByID.append(contentsOf: repeatElement(-1, count: i + 1 - offsetHintByID.count))
        }
        let ob = strings.string(obID)
        guard let calendar = zones.calendar(forOB: ob) else {
            throw AggregationError(.unknownTimeZone, "OB \"\(ob)\" has no time zone", source: ob)
        }
        calendarByID[i] = calendar
        calendarRefByID[i] = Unmanaged.passUnretained(calendar)
    }

    /// The calendar of an interned OB.
    func calendar(obID: UInt32) -> PeriodCalendar? {
        zones.calendar(forOB: strings.string(obID))
    }

    // MARK: Rows

    /// The row of `key`, created if new. `hash` is `key.mixHash`, which counting computed while
    /// preparing the event (the batched ingest prefetched its index slot); merging passes it.
    /// - Precondition: `hash == key.mixHash`.
    /// - Throws: `.tooManyRows` when `key` is new and `limited` and the state is at `limits.maxRows`.
    mutating func auditRow(_ key: AuditRowKey, hash: UInt64, limited: Bool = false) throws(AggregationError) -> Int {
        if let row = auditIndex.find(key, hash: hash, keyOf: { auditRows[$0].key }) { return row }
        guard !limited || hasRoomForRow else { throw tooManyRows() }
        auditRows.append(
            AuditRow(
                count: 0, ob: key.ob, component: key.component, app: key.app,
                period: key.period, billedIn: key.billedIn, service: key.service))
        let rows = auditRows
        auditIndex.insert(key, row: rows.count - 1, keyOf: { rows[$0].key })
        return rows.count - 1
    }

    /// `auditRow(_:hash:)` for gateway rows.
    /// - Precondition: `hash == key.mixHash`.
    mutating func gatewayRow(_ key: GatewayRowKey, hash: UInt64, limited: Bool = false) throws(AggregationError)
        -> Int
    {
        if let row = gatewayIndex.find(key, hash: hash, keyOf: { gatewayRows[$0].key }) { return row }
        guard !limited || hasRoomForRow else { throw tooManyRows() }
        gatewayRows.append(
            GatewayRow(
                messages: 0, nlpMessages: 0, ob: key.ob, app: key.app,
                period: key.period, billedIn: key.billedIn))
        let rows = gatewayRows
        gatewayIndex.insert(key, row: rows.count - 1, keyOf: { rows[$0].key })
        return rows.count - 1
    }

    mutating func statsRow(_ key: PeriodKey) -> Int {
        if let last = lastStats, last.key == key { return last.row }
        let row: Int
        if let found = findStats(key) {
            row = found
        } else {
            stats.append(
                PeriodStatsRow(
                    firstEventMs: .max, lastEventMs: .min, events: 0, duplicates: 0, late: 0,
                    ob: key.ob, period: key.period))
            dayCounts.append(contentsOf: repeatElement(0, count: 31))
            let rows = stats
            statsIndex.insert(key, row: rows.count - 1, keyOf: { PeriodKey(ob: rows[$0].ob, period: rows[$0].period) })
            row = rows.count - 1
        }
        lastStats = (key, row)
        return row
    }

    /// The statistics row of `key`, if any.
    func findStats(_ key: PeriodKey) -> Int? {
        statsIndex.find(key, keyOf: { PeriodKey(ob: stats[$0].ob, period: stats[$0].period) })
    }

    /// (OB, period) of the row a dedup reference points at.
    func periodKey(of ref: DedupRef) -> PeriodKey {
        if ref.isGateway {
            let row = gatewayRows[ref.row]
            return PeriodKey(ob: row.ob, period: row.period)
        }
        let row = auditRows[ref.row]
        return PeriodKey(ob: row.ob, period: row.period)
    }

    /// Statistics row of the period a dedup reference belongs to (created if missing).
    mutating func statsRow(of ref: DedupRef) -> Int {
        statsRow(periodKey(of: ref))
    }

    /// Rebuilds the row and statistics indexes from the row arrays (after loading).
    /// - Returns: `false` when two rows have the same key or an id is not interned.
    mutating func rebuildIndexes() -> Bool {
        let n = UInt32(strings.count)
        auditIndex = RowIndex()
        for (i, row) in auditRows.enumerated() {
            guard row.ob < n, row.component < n, row.app < n || row.app == nullStringID,
                auditIndex.find(row.key, keyOf: { auditRows[$0].key }) == nil
            else { return false }
            auditIndex.insert(row.key, row: i, keyOf: { auditRows[$0].key })
        }
        gatewayIndex = RowIndex()
        for (i, row) in gatewayRows.enumerated() {
            guard row.ob < n, row.app < n || row.app == nullStringID,
                gatewayIndex.find(row.key, keyOf: { gatewayRows[$0].key }) == nil
            else { return false }
            gatewayIndex.insert(row.key, row: i, keyOf: { gatewayRows[$0].key })
        }
        statsIndex = RowIndex()
        lastStats = nil
        periodCache.removeAll()
        for (i, row) in stats.enumerated() {
            let key = PeriodKey(ob: row.ob, period: row.period)
            guard row.ob < n, findStats(key) == nil else { return false }
            statsIndex.insert(key, row: i, keyOf: { PeriodKey(ob: stats[$0].ob, period: stats[$0].period) })
        }
        calendarByID = []
        calendarRefByID = []
        hintByID = []
        offsetHintByID = []
        return dayCounts.count == stats.count * 31
    }
}
