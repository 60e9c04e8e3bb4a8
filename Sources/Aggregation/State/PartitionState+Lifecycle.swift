extension PartitionState {
    /// Whether (ob, period) has been closed.
    package func isClosed(ob: String, period: Period) -> Bool {
        guard let id = strings.lookup(ob) else { return false }
        return isClosed(PeriodKey(ob: id, period: period.rawValue))
    }

    /// Records that (ob, period) is closed: later events of it count as late. A name that is not
    /// an OB code is ignored (no event of it can be counted, see `InputLimits.isOBCode`), so
    /// close requests read from a topic or file cannot grow the strings without bound.
    package mutating func markClosed(ob: String, period: Period) {
        guard let id = internClosingOB(ob) else { return }
        closed.insert(PeriodKey(ob: id, period: period.rawValue))
    }

    /// Records that every period of `ob` up to `period` is closed, including periods without
    /// events (their events, should any come, are late). Names that are not OB codes are ignored.
    package mutating func markClosedThrough(ob: String, period: Period) {
        guard let id = internClosingOB(ob) else { return }
        closedThrough[id] = max(closedThrough[id] ?? .min, period.rawValue)
    }

    /// UTC ms at which (ob, period) ends in the OB's zone; `nil` without a zone.
    package func periodEnd(ob: String, period: Period) -> Int64? {
        zones.calendar(forOB: ob)?.end(of: period)
    }

    /// docs/spec.md §3: (ob, period) is ready to close when every partition's watermark — or the wall
    /// clock `nowMs` for partitions `isIdle` says are idle — is at or past the period end plus
    /// `graceMs`. `assigned` lists the partitions that must be considered (default: all those
    /// this state covers); one this state has never seen counts only if idle.
    package func readyToClose(
        ob: String, period: Period, graceMs: Int64, nowMs: Int64,
        assigned: [PartitionKey]? = nil,
        isIdle: (PartitionKey) -> Bool = { _ in false }
    ) -> Bool {
        guard let end = periodEnd(ob: ob, period: period) else { return false }
        let keys = assigned ?? partitions.map(\.key)
        guard !keys.isEmpty else { return false }
        var watermarks: [Int64?] = []
        var idle: [Bool] = []
        for key in keys {
            watermarks.append(
                partitions.first(where: { $0.key == key }).flatMap { $0.watermarkMs == .min ? nil : $0.watermarkMs })
            idle.append(isIdle(key))
        }
        return Self.readyToClose(periodEndMs: end, graceMs: graceMs, watermarks: watermarks, idle: idle, nowMs: nowMs)
    }

    /// The readiness rule on plain numbers: every partition's effective time (its watermark,
    /// or `nowMs` when idle) is ≥ `periodEndMs + graceMs`. A busy partition with no watermark
    /// blocks readiness.
    package static func readyToClose(
        periodEndMs: Int64, graceMs: Int64, watermarks: [Int64?], idle: [Bool],
        nowMs: Int64
    ) -> Bool {
        // Invariant: callers pass parallel arrays (a programming error otherwise).
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
    /// Auto-close: for every OB with events, closes every period that is ready by
    /// `readyToClose` over this state's partitions (or `assigned`), up to the OB's latest
    /// period with events — periods without events included, through `markClosedThrough`.
    /// Returns the (OB, period) pairs with events that it closed, sorted.
    @discardableResult
    package mutating func closeReadyPeriods(
        graceMs: Int64, nowMs: Int64, assigned: [PartitionKey]? = nil,
        isIdle: (PartitionKey) -> Bool = { _ in false }
    ) -> [(ob: String, period: Period)] {
        // The earliest effective time over the partitions decides; nil = some partition blocks.
        let keys = assigned ?? partitions.map(\.key)
        guard !keys.isEmpty else { return [] }
        var horizon = Int64.max
        for key in keys {
            let watermark = partitions.first(where: { $0.key == key }).flatMap {
                $0.watermarkMs == .min ? nil : $0.watermarkMs
            }
            let effective = isIdle(key) ? max(nowMs, watermark ?? .min) : watermark
            guard let effective else { return [] }
            horizon = min(horizon, effective)
        }
        // Latest period with events per OB.
        var latest: [UInt32: Int32] = [:]
        for row in stats { latest[row.ob] = max(latest[row.ob] ?? .min, row.period) }
        var closedNow: [(ob: String, period: Period)] = []
        for (ob, last) in latest {
            guard let calendar = calendar(obID: ob) else { continue }
            // Ready: end(P) + grace <= horizon, i.e. start(P + 1) <= horizon - grace.
            let (limit, overflow) = horizon.subtractingReportingOverflow(graceMs)
            var through: Int32
            if overflow || limit >= (calendar.end(of: calendar.lastPeriod) ?? .max) {
                through = last
            } else if let current = try? calendar.period(ofUTCMillis: limit) {
                through = min(last, current.rawValue - 1)
            } else {
                continue  // before the calendar's window: nothing is ready
            }
            if let existing = closedThrough[ob] { through = max(through, existing) }
            let newThrough = through
            guard newThrough != closedThrough[ob] else { continue }
            let previous = closedThrough[ob] ?? .min
            closedThrough[ob] = newThrough
            let name = strings.string(ob)
            for row in stats
            where row.ob == ob && row.period > previous && row.period <= newThrough
                && !closed.contains(PeriodKey(ob: ob, period: row.period))
            {
                closedNow.append((name, Period(rawValue: row.period)))
            }
        }
        return closedNow.sorted { ($0.ob, $0.period) < ($1.ob, $1.period) }
    }
}

extension PartitionState {
    /// The earliest effective time at which `closeReadyPeriods(graceMs:…)` could close more
    /// than it already has: `.min` when some OB with events has no closed-through mark yet.
    /// Callers that auto-close run the pass when a watermark reaches this, or when `stats`
    /// grows (a new OB or period), instead of after every event.
    package func nextCloseDueMs(graceMs: Int64) -> Int64 {
        var due = Int64.max
        var seen: Set<UInt32> = []
        for row in stats where seen.insert(row.ob).inserted {
            guard let through = closedThrough[row.ob] else { return .min }
            guard let end = calendar(obID: row.ob)?.end(of: Period(rawValue: through + 1)) else { continue }
            due = min(due, end.addingReportingOverflow(graceMs).overflow ? .max : end + graceMs)
        }
        return due
    }
}

extension PartitionState {
    /// Retires every closed (OB, period) whose end plus `retentionMs` is at or before
    /// `horizonMs` (e.g. the lowest partition watermark): drops its dedup keys and compacts its
    /// rows and statistics away (`compact(isPast:)`). Keys of open periods always stay.
    /// Returns how many keys were dropped; nothing happens when no period with statistics is due.
    @discardableResult
    package mutating func expireClosedKeys(retentionMs: Int64, horizonMs: Int64) -> Int {
        var ends: [UInt32: PeriodCalendar?] = [:]
        func past(_ key: PeriodKey) -> Bool {
            guard isClosed(key) else { return false }
            if ends[key.ob] == nil { ends[key.ob] = calendar(obID: key.ob) }
            guard let end = ends[key.ob]??.end(of: Period(rawValue: key.period)) else { return false }
            return Self.isPast(endMs: end, horizonMs: retentionMs, watermarkMs: horizonMs)
        }
        guard stats.contains(where: { past(PeriodKey(ob: $0.ob, period: $0.period)) }) else { return 0 }
        // Every (OB, period) a row or statistic names, judged once.
        var keys = Set(stats.map { PeriodKey(ob: $0.ob, period: $0.period) })
        for row in auditRows where row.billedIn != 0 {
            keys.insert(PeriodKey(ob: row.ob, period: row.period))
            keys.insert(PeriodKey(ob: row.ob, period: row.billedIn))
        }
        for row in gatewayRows where row.billedIn != 0 {
            keys.insert(PeriodKey(ob: row.ob, period: row.period))
            keys.insert(PeriodKey(ob: row.ob, period: row.billedIn))
        }
        let retired = keys.filter(past)
        return compact(isPast: { retired.contains($0) })
    }

    /// The id of a closing OB, interned; `nil` when `ob` is not an OB code (three capital letters).
    private mutating func internClosingOB(_ ob: String) -> UInt32? {
        var ob = ob
        // The pointer stays inside the closure; 3 bytes at most reach `intern`.
        return ob.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            return InputLimits.isOBCode(raw) ? strings.intern(raw) : nil
        }
    }
}
