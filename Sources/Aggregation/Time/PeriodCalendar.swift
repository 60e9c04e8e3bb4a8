import Foundation

/// Billing months of one IANA time zone, precomputed as UTC instants.
///
/// Foundation's `TimeZone` runs only in `init` (for the offset changes); per event, `period(ofUTCMillis:)`
/// is a binary search over the month starts and `localDay(ofUTCMillis:)` one over the zone's
/// offset transitions. Immutable, so `Sendable`.
package final class PeriodCalendar: Sendable {
    /// The IANA identifier, e.g. `Europe/Madrid`.
    package let identifier: String
    /// The first month covered.
    package let firstPeriod: Period
    /// `monthStarts[i]` = UTC ms of the start of month `firstPeriod + i`; one extra entry holds
    /// the end of the last month.
    let monthStarts: [Int64]
    /// UTC ms at which the zone's offset changes, ascending (first entry: window start).
    let transitionStarts: [Int64]
    /// Offset from UTC in ms in force from `transitionStarts[i]`.
    let transitionOffsets: [Int64]
    /// Local day number (days since 1970-01-01 on the zone's wall clock) of the first instant of
    /// month `firstPeriod + i`, i.e. of the month's 1st: parallel to `monthStarts`.
    let monthStartDays: [Int64]

    /// Builds the calendar for years `years` (default 1990...2109).
    ///
    /// Foundation is asked only for the zone's offset transitions (a few hundred calls for a zone
    /// with DST over the default window); each month's start is then the first instant whose
    /// local wall-clock time reaches the 1st at 00:00 (see `firstInstant(reachingLocal:)`), which
    /// is pure arithmetic. Asking `Calendar` for every month's interval cost ~2.6 ms a zone, most
    /// of a daemon's or a replay's start with a dozen OBs.
    /// - Throws: `AggregationError(.unknownTimeZone)` when `identifier` is not an IANA zone.
    package init(identifier: String, years: ClosedRange<Int> = 1990...2109) throws(AggregationError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw AggregationError(.unknownTimeZone, "unknown IANA time zone \"\(identifier)\"", source: identifier)
        }
        self.identifier = identifier
        firstPeriod = Period(year: years.lowerBound, month: 1)
        let months = (years.upperBound - years.lowerBound + 1) * 12
        func localMidnight(ofMonth index: Int) -> Int64 {
            EventTime.daysFromCivil(year: Int64(years.lowerBound + index / 12), month: Int64(index % 12 + 1), day: 1)
                * 86_400_000
        }
        // Every offset change from two days before the first local midnight (no zone is more than
        // a day off UTC) to two days after the last one.
        let margin: Int64 = 2 * 86_400_000
        let from = localMidnight(ofMonth: 0) - margin
        let to = localMidnight(ofMonth: months) + margin
        var changes = OffsetChanges(
            initialOffset: Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(from) / 1000))) * 1000)
        var cursor = Date(timeIntervalSince1970: Double(from) / 1000)
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), Self.millis(next) < to {
            changes.append(at: Self.millis(next), offset: Int64(zone.secondsFromGMT(for: next)) * 1000)
            guard next > cursor else { break }
            cursor = next
        }
        var starts: [Int64] = []
        starts.reserveCapacity(months + 1)
        for index in 0...months {
            starts.append(changes.firstInstant(reachingLocal: localMidnight(ofMonth: index)))
        }
        monthStarts = starts

        // From the window's start, the offset in force then and each change until its end.
        let end = starts[months]
        var tStarts: [Int64] = [starts[0]]
        var tOffsets: [Int64] = [changes.offset(at: starts[0])]
        for (instant, offset) in zip(changes.instants, changes.offsets.dropFirst())
        where instant > starts[0] && instant < end && offset != tOffsets[tOffsets.count - 1] {
            tStarts.append(instant)
            tOffsets.append(offset)
        }
        transitionStarts = tStarts
        transitionOffsets = tOffsets
        monthStartDays = starts.map { start in
            Self.dayNumber(localMillis: start + tOffsets[Self.lastIndex(atOrBefore: start, in: tStarts)])
        }
    }

    /// Days since 1970-01-01 of a local wall-clock time in ms (floor division).
    @inline(__always)
    static func dayNumber(localMillis local: Int64) -> Int64 {
        local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
    }

    private static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The last month covered.
    package var lastPeriod: Period { Period(rawValue: firstPeriod.rawValue + Int32(monthStarts.count - 2)) }

    /// The billing month containing the instant.
    /// - Throws: `AggregationError(.timeOutOfRange)` outside the precomputed window.
    package func period(ofUTCMillis t: Int64) throws(AggregationError) -> Period {
        guard let index = monthIndex(t) else { throw outOfRange(t) }
        return Period(rawValue: firstPeriod.rawValue + Int32(index))
    }

    /// Like `period(ofUTCMillis:)`, starting from `hint` (the previous answer's month index),
    /// which it updates: events arrive nearly in order, so this is usually two comparisons.
    package func period(ofUTCMillis t: Int64, hint: inout Int) throws(AggregationError) -> Period {
        guard let index = monthIndex(t, hint: &hint) else { throw outOfRange(t) }
        return Period(rawValue: firstPeriod.rawValue + Int32(index))
    }

    /// `monthIndex(_:)` trying `hint` first, which it updates.
    @inline(__always)
    private func monthIndex(_ t: Int64, hint: inout Int) -> Int? {
        let h = hint
        if h >= 0, h + 1 < monthStarts.count, monthStarts[h] <= t, t < monthStarts[h + 1] { return h }
        guard let index = monthIndex(t) else { return nil }
        hint = index
        return index
    }

    /// Index `i` with `monthStarts[i] <= t < monthStarts[i + 1]`.
    private func monthIndex(_ t: Int64) -> Int? {
        guard let first = monthStarts.first, let last = monthStarts.last, t >= first, t < last else { return nil }
        return Self.lastIndex(atOrBefore: t, in: monthStarts)  // below count - 1, as t < last
    }

    /// The error for an instant outside the precomputed window.
    func outOfRange(_ t: Int64) -> AggregationError {
        AggregationError(
            .timeOutOfRange,
            "event time \(t) ms is outside the months \(firstPeriod)...\(lastPeriod) covered for \(identifier)",
            source: identifier)
    }

    /// UTC ms of the first instant of `period` (nil outside the window).
    package func start(of period: Period) -> Int64? {
        let i = Int(period.rawValue - firstPeriod.rawValue)
        guard i >= 0, i + 1 < monthStarts.count else { return nil }
        return monthStarts[i]
    }

    /// UTC ms just past the last instant of `period` (the start of the next month).
    package func end(of period: Period) -> Int64? {
        let i = Int(period.rawValue - firstPeriod.rawValue)
        guard i >= 0, i + 1 < monthStarts.count else { return nil }
        return monthStarts[i + 1]
    }

    /// The zone's offset from UTC in ms at the instant.
    package func offsetMillis(atUTCMillis t: Int64) -> Int64 {
        transitionOffsets[transitionIndex(t)]
    }

    /// The last `i` with `transitionStarts[i] <= t` (0 before the first transition).
    private func transitionIndex(_ t: Int64) -> Int {
        Self.lastIndex(atOrBefore: t, in: transitionStarts)
    }

    /// The last `i` with `starts[i] <= t` (0 when `t` precedes them all); `starts` ascending.
    private static func lastIndex(atOrBefore t: Int64, in starts: [Int64]) -> Int {
        var lo = 0
        var hi = starts.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if starts[mid] <= t { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// `period(ofUTCMillis:hint:)` and `localDay(ofUTCMillis:)` in one go, for the hot path:
    /// `offsetHint` (the previous answer's offset-transition index, -1 at first) spares the
    /// search of the zone's offset as `hint` spares the month search, and the day of month is
    /// the local day number minus that of the month's 1st (no civil-date conversion).
    /// - Throws: `AggregationError(.timeOutOfRange)` outside the precomputed window.
    package func place(ofUTCMillis t: Int64, hint: inout Int, offsetHint: inout Int) throws(AggregationError) -> (
        period: Period, day: Int
    ) {
        guard let placed = placeOrNil(ofUTCMillis: t, hint: &hint, offsetHint: &offsetHint) else { throw outOfRange(t) }
        return placed
    }

    /// `place(ofUTCMillis:hint:offsetHint:)`, `nil` outside the precomputed window.
    func placeOrNil(ofUTCMillis t: Int64, hint: inout Int, offsetHint: inout Int) -> (period: Period, day: Int)? {
        guard let month = monthIndex(t, hint: &hint) else { return nil }  // `monthStarts[month] <= t`
        let period = Period(rawValue: firstPeriod.rawValue + Int32(month))
        let h = offsetHint
        let offset: Int64
        if h >= 0, h < transitionStarts.count, transitionStarts[h] <= t,
            h + 1 == transitionStarts.count || t < transitionStarts[h + 1]
        {
            offset = transitionOffsets[h]
        } else {
            let index = transitionIndex(t)
            offsetHint = index
            offset = transitionOffsets[index]
        }
        // `t` lies in the month (its local date too), so this is 1...31.
        return (period, Int(Self.dayNumber(localMillis: t + offset) - monthStartDays[month]) + 1)
    }

    /// Day of the month (1...31) of the instant in this zone.
    package func localDay(ofUTCMillis t: Int64) -> Int {
        let local = t + offsetMillis(atUTCMillis: t)
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        return Int(EventTime.civilFromDays(days).day)
    }
}
