import Foundation
import Testing

@testable import Aggregation

@Suite("EventTime")
struct EventTimeTests {
    /// Independent oracle: Foundation's calendar in UTC.
    func oracle(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, ms: Int64 = 0, offsetMinutes: Int = 0)
        -> Int64
    {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
        return Int64(date.timeIntervalSince1970) * 1000 + ms - Int64(offsetMinutes) * 60_000
    }

    @Test("parses Z, positive and negative offsets, with and without fractions")
    func parsesForms() throws {
        #expect(
            try ms("2026-10-31T23:59:58.123-03:00") == oracle(2026, 10, 31, 23, 59, 58, ms: 123, offsetMinutes: -180))
        #expect(try ms("2026-10-31T23:59:58.123+01:00") == oracle(2026, 10, 31, 23, 59, 58, ms: 123, offsetMinutes: 60))
        #expect(try ms("2026-10-31T23:59:58Z") == oracle(2026, 10, 31, 23, 59, 58))
        #expect(try ms("2026-10-31T23:59:58+00:00") == oracle(2026, 10, 31, 23, 59, 58))
        #expect(try ms("2026-10-01T00:00:00.5+05:45") == oracle(2026, 10, 1, 0, 0, 0, ms: 500, offsetMinutes: 345))
        #expect(try ms("2026-10-01T00:00:00.123456Z") == oracle(2026, 10, 1, 0, 0, 0, ms: 123))
        #expect(try ms("2026-10-01T00:00:00.999999999Z") == oracle(2026, 10, 1, 0, 0, 0, ms: 999))
        #expect(try ms("2024-02-29T12:00:00-09:30") == oracle(2024, 2, 29, 12, 0, 0, offsetMinutes: -570))
        #expect(try ms("1969-12-31T23:59:59.001Z") == -999)
        #expect(try ms("2000-03-01T00:00:00Z") == oracle(2000, 3, 1, 0, 0, 0))
    }

    @Test("agrees with Foundation on random instants and offsets")
    func randomAgreement() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let y = Int.random(in: 1971...2099, using: &rng)
            let mo = Int.random(in: 1...12, using: &rng)
            let d = Int.random(in: 1...28, using: &rng)
            let h = Int.random(in: 0...23, using: &rng)
            let mi = Int.random(in: 0...59, using: &rng)
            let s = Int.random(in: 0...59, using: &rng)
            let milli = Int.random(in: 0...999, using: &rng)
            let off = Int.random(in: -14 * 60...14 * 60, using: &rng)
            func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let sign = off < 0 ? "-" : "+"
            let text =
                "\(y)-\(p2(mo))-\(p2(d))T\(p2(h)):\(p2(mi)):\(p2(s)).\(String(format: "%03d", milli))\(sign)\(p2(abs(off) / 60)):\(p2(abs(off) % 60))"
            #expect(try ms(text) == oracle(y, mo, d, h, mi, s, ms: Int64(milli), offsetMinutes: off), "\(text)")
        }
    }

    @Test(
        "rejects malformed stamps with an error naming the field and the text",
        arguments: [
            "", "2026-10-31", "2026-10-31T23:59:58", "2026-10-31 23:59:58Z", "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z", "2026-10-32T00:00:00Z", "2026-10-31T24:00:00Z", "2026-10-31T23:60:00Z",
            "2026-10-31T23:59:60Z", "2026-10-31T23:59:58.Z", "2026-10-31T23:59:58.1234567890Z",
            "2026-10-31T23:59:58+0100", "2026-10-31T23:59:58+01", "2026-10-31T23:59:58+24:00",
            "2026-10-31T23:59:58+01:60", "2026-10-31T23:59:58Zx", "2026-1a-31T23:59:58Z", "+026-10-31T23:59:58Z",
            "2026-10-31T23:59:58z", "2026-10-31T23:59:58.123+01:00 ",
        ])
    func rejectsMalformed(_ text: String) {
        do {
            _ = try withBytes(text) { try EventTime.parseMillis($0, field: "MESSAGE_TM") }
            Issue.record("accepted \"\(text)\"")
        } catch let error as AggregationError {
            #expect(error.code == .malformedField)
            #expect(error.message.contains("MESSAGE_TM"))
            #expect(error.message.contains("\"\(text)\""))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("any one byte of the common form replaced: parsed as its fields say when they are valid, rejected otherwise")
    func everyByteOfTheCommonForm() throws {
        // The fixed 19 bytes and the tail ".fff±HH:MM" are checked a word at a time; this
        // replaces each of the 29 bytes with each of a set of bytes (digits, separators,
        // neighbours of '0' and '9', high bytes) and compares with what the fields then say,
        // computed independently (Foundation's calendar for the date).
        let stamp = Array("2024-02-28T13:45:56.250+01:30".utf8)
        let replacements: [UInt8] =
            Array("0123456789-:T.+Z/ ".utf8) + [0x00, 0x2F, 0x3A, 0x40, 0x7F, 0x80, 0xB0, 0xF9, 0xFF]
        let digitPositions: Set<Int> = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 24, 25, 27, 28]
        let separators: [Int: Set<UInt8>] = [
            4: [0x2D], 7: [0x2D], 10: [0x54], 13: [0x3A], 16: [0x3A], 19: [0x2E],
            23: [0x2B, 0x2D], 26: [0x3A],
        ]
        var accepted = 0
        for position in 0..<stamp.count {
            for byte in replacements {
                var text = stamp
                text[position] = byte
                let parsed = text.withUnsafeBytes { EventTime.parseOrNil($0) }
                var expected: Int64?
                func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(text[$1] &- 0x30) } }
                let wellFormed = (0..<stamp.count).allSatisfy { i in
                    digitPositions.contains(i) ? (0x30...0x39).contains(text[i]) : separators[i]!.contains(text[i])
                }
                if wellFormed {
                    let (y, mo, d) = (number(0..<4), number(5..<7), number(8..<10))
                    let (h, mi, sec) = (number(11..<13), number(14..<16), number(17..<19))
                    let (oh, om) = (number(24..<26), number(27..<29))
                    var calendar = Calendar(identifier: .gregorian)
                    calendar.timeZone = TimeZone(identifier: "UTC")!
                    let components = DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: sec)
                    if (1...12).contains(mo), h <= 23, mi <= 59, sec <= 59, oh <= 23, om <= 59,
                        components.isValidDate(in: calendar)
                    {
                        let offset = (text[23] == 0x2D ? -1 : 1) * (oh * 60 + om)
                        expected = oracle(y, mo, d, h, mi, sec, ms: Int64(number(20..<23)), offsetMinutes: offset)
                    }
                }
                let shown = String(decoding: text, as: UTF8.self)
                if expected != nil, number(0..<4) < 1583 {
                    // Foundation's calendar is Julian before 1583, the parser proleptic Gregorian:
                    // only acceptance is compared there.
                    #expect(parsed != nil, "\(shown)")
                } else {
                    #expect(parsed == expected, "\(shown)")
                }
                if expected != nil { accepted += 1 }
            }
        }
        #expect(accepted > 29)  // valid replacements were parsed, not only rejections seen
    }

    @Test("stamps of other lengths and forms agree with the common form's fast path")
    func otherFormsAgree() throws {
        // The same instant written with 1, 2, 3, 6 and 9 fraction digits, as Z / +00:00 in UTC,
        // and with a negative offset: all parse to what Foundation says.
        let base = oracle(2026, 10, 31, 22, 15, 7, ms: 120)
        for text in [
            "2026-10-31T22:15:07.12Z", "2026-10-31T22:15:07.120Z", "2026-10-31T22:15:07.120000+00:00",
            "2026-10-31T22:15:07.120999999Z", "2026-10-31T19:15:07.120-03:00", "2026-10-31T19:15:07.12-03:00",
            "2026-11-01T00:15:07.1+02:00", "2026-10-31T22:15:07.120+00:00",
        ] {
            #expect(try ms(text) == base + (text.contains(".1+") ? -20 : 0), "\(text)")
        }
    }

    @Test("a date cache shared along a stream gives the same answers as parsing each stamp alone")
    func dateCacheAgrees() {
        // Runs of stamps of one date (cache hits), date changes, malformed dates and times right
        // after a cached good date, and stamps sharing a cached date's first 11 bytes but
        // malformed later: each must parse (or fail) exactly as without the cache.
        var rng = SplitMix64(seed: 99)
        let dates = [
            "2026-10-31T", "2026-11-01T", "2024-02-29T", "2026-02-29T", "2026-13-01T", "2026-1x-01T", "2026-10-31 ",
        ]
        let times = [
            "23:59:58.123+01:00", "00:00:00Z", "12:30:00.5-03:00", "24:00:00Z", "12:60:00Z", "12:00:00.123+0100",
            "1a:00:00Z", "12:00:00.1234567890Z", "12:00:00+24:00",
        ]
        var cache = EventTime.DateCache()
        var hits = 0
        var previousDate = ""
        for _ in 0..<5_000 {
            // Mostly repeat the previous date, as a stream in time order does.
            let date =
                previousDate.isEmpty || Int.random(in: 0..<4, using: &rng) == 0
                ? dates[Int.random(in: 0..<dates.count, using: &rng)] : previousDate
            let text = date + times[Int.random(in: 0..<times.count, using: &rng)]
            if date == previousDate { hits += 1 }
            previousDate = date
            let alone = withBytes(text) { EventTime.parseOrNil($0) }
            let cached = withBytes(text) { EventTime.parseOrNil($0, dates: &cache) }
            #expect(cached == alone, "\(text)")
        }
        #expect(hits > 2_000)
    }

    @Test("civil date conversions round-trip over four centuries")
    func civilRoundTrip() {
        var day: Int64 = -200_000
        while day < 200_000 {
            let (y, m, d) = EventTime.civilFromDays(day)
            #expect(EventTime.daysFromCivil(year: y, month: m, day: d) == day)
            day += 7
        }
    }
}
