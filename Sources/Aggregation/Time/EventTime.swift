/// Parses event timestamps (`AURA_TM`, `MESSAGE_TM`) straight from their bytes.
///
/// Accepted form: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`. The result is the instant in
/// milliseconds since the Unix epoch, UTC; digits below the millisecond are truncated.
/// No Foundation date parsing: this runs once per event on the hot path.
package enum EventTime {
    /// Parses `bytes` as an ISO-8601 timestamp with offset.
    /// - Parameter field: the field name, used in the error message.
    /// - Throws: `AggregationError(.malformedField)` naming the field and the text.
    package static func parseMillis(_ bytes: UnsafeRawBufferPointer, field: StaticString) throws(AggregationError)
        -> Int64
    {
        if let value = parseOrNil(bytes) { return value }
        throw malformed(bytes, field: field)
    }

    /// `parseMillis(_:field:)` remembering the last date in `dates`: the next stamp of the same
    /// date (events come nearly in time order) skips the date's checks and day count.
    @inline(__always)
    package static func parseMillis(
        _ bytes: UnsafeRawBufferPointer, field: StaticString, dates: inout DateCache
    ) throws(AggregationError) -> Int64 {
        if let value = parseOrNil(bytes, dates: &dates) { return value }
        throw malformed(bytes, field: field)
    }

    /// The calendar date of the last stamp parsed with it, as its first 11 bytes and day number.
    package struct DateCache: Sendable {
        /// "YYYY-MM-" and "DDT" of a date that was checked; 0 (never a valid date) when empty.
        var ymd: UInt64 = 0
        var dt: UInt64 = 0
        var days: Int64 = 0

        package init() {}
    }

    /// The parser behind `parseMillis`; `nil` when the text is malformed.
    package static func parseOrNil(_ b: UnsafeRawBufferPointer) -> Int64? {
        var dates = DateCache()
        return parseOrNil(b, dates: &dates)
    }

    /// The parser behind `parseMillis`, with a date cache.
    package static func parseOrNil(_ b: UnsafeRawBufferPointer, dates: inout DateCache) -> Int64? {
        let n = b.count
        // Shortest: "YYYY-MM-DDTHH:MM:SSZ" (20); longest: 19 + 1 + 9 + 6 = 35.
        guard n >= 20, n <= 35, let base = b.baseAddress else { return nil }
        // One bounds check above; the reads below stay inside `0..<n` (the word loads read
        // bytes 0..<8, 8..<11 and 11..<19). The pointer does not escape.
        @inline(__always) func digit(_ i: Int) -> Int64? {
            let c = b[i] &- 0x30
            return c < 10 ? Int64(c) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int64? {
            guard let h = digit(i), let l = digit(i + 1) else { return nil }
            return h * 10 + l
        }
        // The fixed 19 bytes "YYYY-MM-DDTHH:MM:SS" checked a word at a time (little-endian: byte
        // k of a word is bits 8k..<8k+8): "YYYY-MM-", "DDT" and "HH:MM:SS".
        let ymd = base.loadUnaligned(as: UInt64.self)
        let dt =
            UInt64(base.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            | UInt64(base.load(fromByteOffset: 10, as: UInt8.self)) << 16
        let hms = base.loadUnaligned(fromByteOffset: 11, as: UInt64.self)
        @inline(__always) func value(_ word: UInt64, _ byte: Int) -> Int64 { Int64((word >> UInt64(8 * byte)) & 0x0F) }
        let days: Int64
        if ymd == dates.ymd, dt == dates.dt {
            days = dates.days  // the same bytes as a date checked before
        } else {
            guard ymd & ~Self.ymdDigits == Self.ymdSeparators, dt & ~Self.dtDigits == Self.dtSeparators,
                Self.areDigits(ymd, Self.ymdDigits), Self.areDigits(dt, Self.dtDigits)
            else { return nil }
            let year = value(ymd, 0) * 1000 + value(ymd, 1) * 100 + value(ymd, 2) * 10 + value(ymd, 3)
            let month = value(ymd, 5) * 10 + value(ymd, 6)
            let day = value(dt, 0) * 10 + value(dt, 1)
            guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
            days = daysFromCivil(year: year, month: month, day: day)
            dates = DateCache()
            dates.ymd = ymd
            dates.dt = dt
            dates.days = days
        }
        guard hms & ~Self.hmsDigits == Self.hmsSeparators, Self.areDigits(hms, Self.hmsDigits) else { return nil }
        let hour = value(hms, 0) * 10 + value(hms, 1)
        let minute = value(hms, 3) * 10 + value(hms, 4)
        let second = value(hms, 6) * 10 + value(hms, 7)
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        let localSeconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        // The common form's tail ".fff±HH:MM" (n = 29) a word at a time: '.' and a digit at 19
        // and 20, then "ff±HH:MM" at 21..<29. Anything else takes the general path below.
        if n == 29, b[19] == 0x2E, b[20] &- 0x30 < 10 {
            let tail = base.loadUnaligned(fromByteOffset: 21, as: UInt64.self)
            let sign = tail >> 16 & 0xFF
            if sign == 0x2B || sign == 0x2D, tail & ~Self.tailDigits == sign << 16 | Self.tailColon,
                Self.areDigits(tail, Self.tailDigits)
            {
                let millis = Int64(b[20] &- 0x30) * 100 + value(tail, 0) * 10 + value(tail, 1)
                let oh = value(tail, 3) * 10 + value(tail, 4)
                let om = value(tail, 6) * 10 + value(tail, 7)
                guard oh <= 23, om <= 59 else { return nil }
                let offsetMinutes = sign == 0x2D ? -(oh * 60 + om) : oh * 60 + om
                return (localSeconds - offsetMinutes * 60) * 1_000 + millis
            }
        }
        var i = 19
        var millis: Int64 = 0
        if b[i] == 0x2E {  // '.'
            i += 1
            var digits = 0
            while i < n, let d = digit(i) {
                if digits < 3 { millis = millis * 10 + d }
                digits += 1
                i += 1
            }
            guard digits >= 1, digits <= 9 else { return nil }
            while digits < 3 {
                millis *= 10
                digits += 1
            }
        }
        guard i < n else { return nil }
        var offsetMinutes: Int64 = 0
        switch b[i] {
        case 0x5A:  // 'Z'
            i += 1
        case 0x2B, 0x2D:  // '+', '-'
            guard n - i == 6, let oh = two(i + 1), b[i + 3] == 0x3A, let om = two(i + 4),
                oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = oh * 60 + om
            if b[i] == 0x2D { offsetMinutes = -offsetMinutes }
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        return (localSeconds - offsetMinutes * 60) * 1_000 + millis
    }

    /// Digit bytes of "YYYY-MM-" (all but bytes 4 and 7, which hold '-').
    static let ymdDigits: UInt64 = 0x00FF_FF00_FFFF_FFFF
    static let ymdSeparators: UInt64 = 0x2D << 56 | 0x2D << 32
    /// Digit bytes of "DDT" (bytes 0 and 1; byte 2 holds 'T'; bytes 3... are zero).
    static let dtDigits: UInt64 = 0xFFFF
    static let dtSeparators: UInt64 = 0x54 << 16
    /// Digit bytes of "HH:MM:SS" (all but bytes 2 and 5, which hold ':').
    static let hmsDigits: UInt64 = 0xFFFF_00FF_FF00_FFFF
    static let hmsSeparators: UInt64 = 0x3A << 40 | 0x3A << 16

    /// Digit bytes of "ff±HH:MM" (bytes 0, 1, 3, 4, 6, 7; byte 2 holds the sign, byte 5 ':').
    static let tailDigits: UInt64 = 0xFFFF_00FF_FF00_FFFF
    static let tailColon: UInt64 = 0x3A << 40

    /// Whether every byte of `word` selected by `mask` (0xFF per byte) is an ASCII digit:
    /// its high nibble is 3 and its low nibble at most 9 (adding 6 keeps the high nibble; no
    /// byte carries into the next once all high nibbles are 3).
    @inline(__always)
    static func areDigits(_ word: UInt64, _ mask: UInt64) -> Bool {
        let d = word & mask
        let high = 0xF0F0_F0F0_F0F0_F0F0 & mask
        let threes = 0x3030_3030_3030_3030 & mask
        return d & high == threes && (d &+ (0x0606_0606_0606_0606 & mask)) & high == threes
    }

    static func malformed(_ bytes: UnsafeRawBufferPointer, field: StaticString) -> AggregationError {
        let shown = bytes.prefix(64)
        var text = String(decoding: shown, as: UTF8.self)
        if bytes.count > 64 { text += "…" }
        return AggregationError(
            .malformedField,
            "\(field) is not an ISO-8601 timestamp with offset (YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)): \"\(text)\"",
            source: "\(field)")
    }

    /// Days in `month` of `year` in the proleptic Gregorian calendar.
    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    @inline(__always)
    package static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a count of days since 1970-01-01.
    package static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
