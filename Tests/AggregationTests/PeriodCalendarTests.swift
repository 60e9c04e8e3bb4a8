import Foundation
import Testing

@testable import Aggregation

@Suite("PeriodCalendar")
struct PeriodCalendarTests {
    func calendar(_ zone: String) throws -> PeriodCalendar { try OBTimeZones.sharedCalendar(zone) }

    @Test("2026-10-31T23:30:00Z is November in Madrid and October in São Paulo")
    func specExample() throws {
        let t = try ms("2026-10-31T23:30:00Z")
        #expect(try calendar("Europe/Madrid").period(ofUTCMillis: t) == Period(year: 2026, month: 11))
        #expect(try calendar("America/Sao_Paulo").period(ofUTCMillis: t) == Period(year: 2026, month: 10))
    }

    /// Month starts written by hand from the zones' rules (tzdata 2025).
    @Test(
        "month starts match the zones' rules, both sides of each boundary",
        arguments: [
            ("Europe/Madrid", 2026, 11, "2026-10-31T23:00:00Z"),  // CET after the Oct 25 change
            ("Europe/Madrid", 2026, 10, "2026-09-30T22:00:00Z"),  // CEST
            ("Europe/Madrid", 2026, 4, "2026-03-31T22:00:00Z"),  // CEST since Mar 29
            ("Europe/London", 2026, 11, "2026-11-01T00:00:00Z"),
            ("Europe/London", 2026, 10, "2026-09-30T23:00:00Z"),
            ("America/Sao_Paulo", 2026, 11, "2026-11-01T03:00:00Z"),  // no DST since 2019
            ("America/Sao_Paulo", 2018, 12, "2018-12-01T02:00:00Z"),  // DST (−02) in 2018
            ("America/Sao_Paulo", 2019, 3, "2019-03-01T03:00:00Z"),  // DST ended Feb 17, 2019
            ("Australia/Sydney", 2026, 11, "2026-10-31T13:00:00Z"),  // AEDT (+11) since Oct 4
            ("Australia/Sydney", 2026, 4, "2026-03-31T13:00:00Z"),  // still AEDT on Apr 1
            ("Australia/Sydney", 2026, 5, "2026-04-30T14:00:00Z"),  // AEST (+10) after Apr 5
            ("Asia/Kathmandu", 2026, 11, "2026-10-31T18:15:00Z"),  // +05:45
            ("America/Caracas", 2016, 6, "2016-06-01T04:00:00Z"),  // −04 after May 1, 2016
            ("America/Caracas", 2016, 4, "2016-04-01T04:30:00Z"),  // −04:30 before
            ("America/Santiago", 2026, 10, "2026-10-01T03:00:00Z"),  // −03 (DST since Sep 6)
        ])
    func monthStarts(_ zone: String, _ year: Int, _ month: Int, _ start: String) throws {
        let cal = try calendar(zone)
        let period = Period(year: year, month: month)
        let s = try ms(start)
        #expect(cal.start(of: period) == s)
        #expect(cal.end(of: period.previous) == s)
        #expect(try cal.period(ofUTCMillis: s) == period)
        #expect(try cal.period(ofUTCMillis: s - 1) == period.previous)
        #expect(cal.localDay(ofUTCMillis: s) == 1)
        #expect(
            cal.localDay(ofUTCMillis: s - 1)
                == EventTime.daysInMonth(year: Int64(period.previous.year), month: Int64(period.previous.month)).asInt)
    }

    /// The month starts as Foundation's `Calendar` gives them (how `PeriodCalendar` computed
    /// them before it derived them from the offset changes), for `years`.
    static func foundationMonthStarts(_ zone: String, years: ClosedRange<Int>) throws -> [Int64] {
        var foundation = Calendar(identifier: .gregorian)
        foundation.timeZone = try #require(TimeZone(identifier: zone))
        let months = (years.upperBound - years.lowerBound + 1) * 12
        return try (0...months).map { index in
            let probe = DateComponents(year: years.lowerBound + index / 12, month: index % 12 + 1, day: 15, hour: 12)
            let mid = try #require(foundation.date(from: probe))
            let interval = try #require(foundation.dateInterval(of: .month, for: mid))
            return Int64((interval.start.timeIntervalSince1970 * 1000).rounded())
        }
    }

    /// Zones with every kind of rule: the datagen's, DST on both hemispheres, changes at local
    /// midnight (Havana, old São Paulo, Santiago), 30-minute DST (Lord Howe), 2-hour DST (Troll),
    /// negative DST (Dublin), Ramadan breaks (Casablanca), standard-offset changes (Caracas,
    /// Moscow, Pyongyang, Nuuk), a skipped day (Apia), +14:00 (Kiritimati), quarter hours.
    static let referenceZones =
        Array(OBTimeZones.datagenZones.values).sorted() + [
            "America/Havana", "Australia/Lord_Howe", "Antarctica/Troll", "Europe/Dublin", "Africa/Casablanca",
            "Europe/Moscow", "Asia/Pyongyang", "America/Nuuk", "Pacific/Apia", "Pacific/Kiritimati", "Asia/Kathmandu",
            "Australia/Eucla", "Asia/Tehran", "America/St_Johns", "Pacific/Chatham", "Asia/Gaza", "America/Asuncion",
            "Africa/Cairo", "Europe/Kyiv", "America/Godthab", "Pacific/Norfolk", "UTC", "Etc/GMT+12", "Etc/GMT-14",
        ]

    @Test("month starts equal Foundation's month intervals for every month of 1990–2109 in 36 zones")
    func monthStartsAgreeWithFoundation() throws {
        for zone in Self.referenceZones {
            let cal = try PeriodCalendar(identifier: zone)
            let expected = try Self.foundationMonthStarts(zone, years: 1990...2109)
            let got = (0..<expected.count - 1).map {
                cal.start(of: Period(rawValue: cal.firstPeriod.rawValue + Int32($0)))
            }
            let mismatches = zip(got, expected).enumerated().filter { $0.element.0 != $0.element.1 }
            #expect(
                mismatches.isEmpty, "\(zone): \(mismatches.count) month starts differ, first \(mismatches.prefix(3))")
            #expect(cal.end(of: cal.lastPeriod) == expected.last)
        }
    }

    @Test(
        "periods and local days agree with Foundation every 20 minutes of 2026 in six zones",
        arguments: [
            "Europe/Madrid", "America/Sao_Paulo", "Australia/Sydney", "Asia/Kathmandu", "America/Santiago",
            "Europe/London",
        ])
    func agreesWithFoundation(_ zone: String) throws {
        let cal = try calendar(zone)
        var foundation = Calendar(identifier: .gregorian)
        foundation.timeZone = TimeZone(identifier: zone)!
        var t = try ms("2026-01-01T00:00:00Z")
        let end = try ms("2027-01-01T00:00:00Z")
        var hint = -1
        while t < end {
            let parts = foundation.dateComponents(
                [.year, .month, .day], from: Date(timeIntervalSince1970: Double(t) / 1000))
            let expected = Period(year: parts.year!, month: parts.month!)
            #expect(try cal.period(ofUTCMillis: t, hint: &hint) == expected)
            #expect(cal.localDay(ofUTCMillis: t) == parts.day!)
            t += 20 * 60_000 + 7
        }
    }

    @Test("DST change days: the repeated hour stays on the same local day")
    func dstDays() throws {
        let madrid = try calendar("Europe/Madrid")
        // 2026-10-25 03:00 CEST → 02:00 CET: 00:30Z and 01:30Z are both 02:30 local on the 25th.
        #expect(madrid.localDay(ofUTCMillis: try ms("2026-10-25T00:30:00Z")) == 25)
        #expect(madrid.localDay(ofUTCMillis: try ms("2026-10-25T01:30:00Z")) == 25)
        #expect(madrid.localDay(ofUTCMillis: try ms("2026-10-25T22:59:59.999Z")) == 25)
        #expect(madrid.localDay(ofUTCMillis: try ms("2026-10-25T23:00:00Z")) == 26)
        #expect(madrid.offsetMillis(atUTCMillis: try ms("2026-10-25T00:59:59Z")) == 7_200_000)
        #expect(madrid.offsetMillis(atUTCMillis: try ms("2026-10-25T01:00:00Z")) == 3_600_000)
    }

    @Test("times outside the window are a clear error")
    func outOfRange() throws {
        let cal = try calendar("Europe/Madrid")
        #expect(throws: AggregationError.self) { try cal.period(ofUTCMillis: try ms("1900-01-01T00:00:00Z")) }
        #expect(throws: AggregationError.self) { try cal.period(ofUTCMillis: try ms("2500-01-01T00:00:00Z")) }
        #expect(throws: AggregationError.self) { try PeriodCalendar(identifier: "Mars/Olympus_Mons") }
    }

    @Test(
        "place(ofUTCMillis:hint:offsetHint:) agrees with period and localDay, in order and out of order",
        arguments: [
            "Europe/Madrid", "America/Sao_Paulo", "Australia/Sydney", "Asia/Kathmandu", "America/Caracas",
            "America/Santiago", "Pacific/Apia", "UTC",
        ])
    func placeWithHints(zone: String) throws {
        let cal = try calendar(zone)
        var hint = -1
        var offsetHint = -1
        var mismatches: [Int64] = []
        // In order, every 37 minutes over 2010–2027 (DST changes, abolitions, zone shifts).
        var t = try ms("2010-01-01T00:00:00Z")
        let end = try ms("2028-01-01T00:00:00Z")
        var checked = 0
        while t < end {
            let placed = try cal.place(ofUTCMillis: t, hint: &hint, offsetHint: &offsetHint)
            if placed.period != (try cal.period(ofUTCMillis: t)) || placed.day != cal.localDay(ofUTCMillis: t) {
                mismatches.append(t)
            }
            checked += 1
            t += 37 * 60_000
        }
        // Out of order across the whole window, keeping the (now mostly wrong) hints.
        var rng = SplitMix64(seed: 77)
        let first = try ms("1990-01-01T00:00:00Z")
        let last = try ms("2109-12-31T23:59:59Z")
        for _ in 0..<20_000 {
            let u = Int64.random(in: first...last, using: &rng)
            let placed = try cal.place(ofUTCMillis: u, hint: &hint, offsetHint: &offsetHint)
            if placed.period != (try cal.period(ofUTCMillis: u)) || placed.day != cal.localDay(ofUTCMillis: u) {
                mismatches.append(u)
            }
        }
        #expect(checked > 250_000)
        #expect(mismatches.isEmpty, "first mismatches at \(mismatches.prefix(5)) ms")
        var h = hint
        var o = offsetHint
        #expect(throws: AggregationError.self) {
            try cal.place(ofUTCMillis: first - 86_400_000 * 400, hint: &h, offsetHint: &o)
        }
    }

    @Test("Period prints and parses YYYY-MM")
    func periodText() {
        #expect(Period(year: 2026, month: 1).description == "2026-01")
        #expect(Period(year: 2026, month: 12).description == "2026-12")
        #expect(Period(year: 2026, month: 12).next == Period(year: 2027, month: 1))
        #expect(Period("2026-10") == Period(year: 2026, month: 10))
        #expect(Period("2026-13") == nil)
        #expect(Period("202610") == nil)
    }
}

extension Int64 {
    var asInt: Int { Int(self) }
}
