extension PartitionState {
    /// Adds `other` into this state so that the result equals one state fed with both inputs.
    ///
    /// Rows, statistics, compacted quantities and counters add up; watermarks and offsets take the maximum per
    /// partition; closed periods unite. The dedup sets unite too, and a key present in both is
    /// one event counted twice: `other`'s count of it is taken back (from the row and the day
    /// its reference names) and it becomes one more duplicate. When the two copies point at
    /// different rows (same key, different content), this state's row keeps the count.
    ///
    /// Strings are interned per state, so `other`'s ids are mapped through their strings
    /// (cost: one lookup per distinct string and per row, not per event).
    /// With `keys: false` the dedup keys are left out: the result holds none, and an event both
    /// states counted stays counted twice. Its (OB, period) pairs, closed marks, retained
    /// quantities and partition progress are those of the full merge, which is all a close's
    /// plan reads (`PeriodCloser.facts`), at the cost of the rows and strings instead of the
    /// whole state.
    /// - Throws: `AggregationError(.incompatibleStates)` when the states use different zone
    ///   tables (their periods would not mean the same), or `.capacity`.
    package mutating func merge(_ other: PartitionState, keys: Bool = true) throws(AggregationError) {
        guard zones === other.zones || zones.identifiers == other.zones.identifiers else {
            throw AggregationError(.incompatibleStates, "cannot merge states built with different OB time zones")
        }
        // The dedup keys added below are not logged: the next checkpoint is a full base.
        changes.isTracking = false
        // Strings.
        var idMap = [UInt32](repeating: 0, count: other.strings.count)
        for id in 0..<other.strings.count {
            guard let mine = other.strings.withBytes(UInt32(id), { strings.intern($0, limit: InternTable.maxCount) })
            else { throw AggregationError(.capacity, "more than \(InternTable.maxCount) strings in one state") }
            idMap[id] = mine
        }
        func map(_ id: UInt32) -> UInt32 { id == nullStringID ? nullStringID : idMap[Int(id)] }

        // Rows.
        var auditMap = [Int](repeating: 0, count: other.auditRows.count)
        for (i, row) in other.auditRows.enumerated() {
            var key = row.key
            key.ob = map(key.ob)
            key.component = map(key.component)
            key.app = map(key.app)
            let mine = try auditRow(key, hash: key.mixHash)
            auditRows[mine].count += row.count
            auditMap[i] = mine
        }
        var gatewayMap = [Int](repeating: 0, count: other.gatewayRows.count)
        for (i, row) in other.gatewayRows.enumerated() {
            var key = row.key
            key.ob = map(key.ob)
            key.app = map(key.app)
            let mine = try gatewayRow(key, hash: key.mixHash)
            gatewayRows[mine].messages += row.messages
            gatewayRows[mine].nlpMessages += row.nlpMessages
            gatewayMap[i] = mine
        }
        guard auditRows.count < DedupRef.maxRows, gatewayRows.count < DedupRef.maxRows else {
            throw AggregationError(.capacity, "more than \(DedupRef.maxRows) aggregate rows in one state")
        }

        // Statistics.
        for (i, row) in other.stats.enumerated() {
            let mine = statsRow(PeriodKey(ob: map(row.ob), period: row.period))
            stats[mine].firstEventMs = min(stats[mine].firstEventMs, row.firstEventMs)
            stats[mine].lastEventMs = max(stats[mine].lastEventMs, row.lastEventMs)
            stats[mine].events += row.events
            stats[mine].duplicates += row.duplicates
            stats[mine].late += row.late
            for d in 0..<31 { dayCounts[mine * 31 + d] += other.dayCounts[i * 31 + d] }
        }
        for (key, queries) in other.retained {
            let mine = RetainedUsageKey(
                ob: map(key.ob), component: map(key.component), period: key.period, billedIn: key.billedIn)
            retained[mine, default: 0] += queries
        }
        for key in other.closed { closed.insert(PeriodKey(ob: map(key.ob), period: key.period)) }
        for (ob, period) in other.closedThrough {
            let mine = map(ob)
            closedThrough[mine] = max(closedThrough[mine] ?? .min, period)
        }
        for progress in other.partitions {
            let i = source(progress.key)
            partitions[i].watermarkMs = max(partitions[i].watermarkMs, progress.watermarkMs)
            partitions[i].nextOffset = max(partitions[i].nextOffset, progress.nextOffset)
        }
        records += other.records
        duplicates += other.duplicates
        late += other.late
        quarantined += other.quarantined

        // Dedup: union, taking back double counts.
        guard keys else { return }
        dedup.reserve(additional: other.dedup.count)
        other.dedup.forEach { fp, raw in
            let theirs = DedupRef(rawValue: raw)
            let mapped = theirs.with(row: theirs.isGateway ? gatewayMap[theirs.row] : auditMap[theirs.row])
            guard let existing = dedup.insert(fp, ref: mapped.rawValue) else { return }
            // Counted in both: undo other's count, record one duplicate against the kept row.
            let theirStats = statsRow(of: mapped)
            if mapped.isGateway {
                gatewayRows[mapped.row].messages -= 1
                if mapped.isNLP { gatewayRows[mapped.row].nlpMessages -= 1 }
                if gatewayRows[mapped.row].billedIn != 0 {
                    stats[theirStats].late -= 1
                    late -= 1
                }
            } else {
                auditRows[mapped.row].count -= 1
                if auditRows[mapped.row].billedIn != 0 {
                    stats[theirStats].late -= 1
                    late -= 1
                }
            }
            stats[theirStats].events -= 1
            dayCounts[theirStats * 31 + mapped.day - 1] -= 1
            duplicates += 1
            let keptStats = statsRow(of: DedupRef(rawValue: existing))
            stats[keptStats].duplicates += 1
        }
    }
}
