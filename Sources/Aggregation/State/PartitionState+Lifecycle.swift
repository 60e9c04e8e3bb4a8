extension PartitionState {
    /// Whether (ob, period) has been closed.
    package func isClosed(ob: String, period: Period) -> Bool {
        guard let id = strings.lookup(ob) else { return false }
        return closed.contains(PeriodKey(ob: id, period: period.rawValue))
    }

    /// Records that (ob, period) is closed: later events of it count as late.
    package mutating func markClosed(ob: String, period: Period) {
        closed.insert(PeriodKey(ob: strings.intern(ob), period: period.rawValue))
    }

    /// Drops the dedup keys of (ob, period), counted on time or late (rebuilds the dedup
    /// table). Call once the closed period is past its grace: a copy arriving afterwards counts
    /// again, as a late event. Aggregate rows stay.
    package mutating func expireKeys(ob: String, period: Period) {
        guard let id = strings.lookup(ob) else { return }
        let key = PeriodKey(ob: id, period: period.rawValue)
        var table = dedup
        dedup = DedupTable()  // release the reference so the rebuild does not copy
        table.removeAll { raw in periodKey(of: DedupRef(rawValue: raw)) == key }
        dedup = table
    }

    /// UTC ms at which (ob, period) ends in the OB's zone; `nil` without a zone.
    package func periodEnd(ob: String, period: Period) -> Int64? {
        zones.calendar(forOB: ob)?.end(of: period)
    }

    /// Spec §3: (ob, period) is ready to close when every partition's watermark — or the wall
    /// clock `nowMs` for partitions `isIdle` says are idle — is at or past the period end plus
    /// `graceMs`. `assigned` lists the partitions that must be considered (default: all those
    /// this state covers); one this state has never seen counts only if idle.
    package func readyToClose(ob: String, period: Period, graceMs: Int64, nowMs: Int64,
                              assigned: [PartitionKey]? = nil,
                              isIdle: (PartitionKey) -> Bool = { _ in false }) -> Bool {
        guard let end = periodEnd(ob: ob, period: period) else { return false }
        let keys = assigned ?? partitions.map(\.key)
        guard !keys.isEmpty else { return false }
        var watermarks: [Int64?] = []
        var idle: [Bool] = []
        for key in keys {
            watermarks.append(partitions.first(where: { $0.key == key }).flatMap { $0.watermarkMs == .min ? nil : $0.watermarkMs })
            idle.append(isIdle(key))
        }
        return Self.readyToClose(periodEndMs: end, graceMs: graceMs, watermarks: watermarks, idle: idle, nowMs: nowMs)
    }

    /// The readiness rule on plain numbers: every partition's effective time (its watermark,
    /// or `nowMs` when idle) is ≥ `periodEndMs + graceMs`. A busy partition with no watermark
    /// blocks readiness.
    package static func readyToClose(periodEndMs: Int64, graceMs: Int64, watermarks: [Int64?], idle: [Bool],
                                     nowMs: Int64) -> Bool {
        precondition(watermarks.count == idle.count, "one idle flag per watermark")
        let due = periodEndMs + graceMs
        guard !watermarks.isEmpty else { return false }
        for (watermark, isIdle) in zip(watermarks, idle) {
            let effective = isIdle ? max(nowMs, watermark ?? .min) : watermark
            guard let effective, effective >= due else { return false }
        }
        return true
    }

    /// Every (OB, period) this state has events for, sorted by OB then period.
    package func periods() -> [(ob: String, period: Period)] {
        stats.map { (strings.string($0.ob), Period(rawValue: $0.period)) }
            .sorted { ($0.ob, $0.period.rawValue) < ($1.ob, $1.period.rawValue) }
    }
}

extension PartitionState {
    /// Closes every (OB, period) with events that is ready by `readyToClose` over this state's
    /// partitions (replay and auto-close); returns what it closed, sorted.
    @discardableResult
    package mutating func closeReadyPeriods(graceMs: Int64, nowMs: Int64, assigned: [PartitionKey]? = nil,
                                            isIdle: (PartitionKey) -> Bool = { _ in false }) -> [(ob: String, period: Period)] {
        var closedNow: [(ob: String, period: Period)] = []
        for row in stats where !closed.contains(PeriodKey(ob: row.ob, period: row.period)) {
            let ob = strings.string(row.ob)
            let period = Period(rawValue: row.period)
            if readyToClose(ob: ob, period: period, graceMs: graceMs, nowMs: nowMs, assigned: assigned, isIdle: isIdle) {
                closedNow.append((ob, period))
            }
        }
        for (ob, period) in closedNow { markClosed(ob: ob, period: period) }
        return closedNow.sorted { ($0.ob, $0.period) < ($1.ob, $1.period) }
    }
}
