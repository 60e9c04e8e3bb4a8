import Avro
import StreamDaemon

/// Avro binary encoding of the few types the Aura schemas use, by hand, into byte arrays:
/// zig-zag varint longs, length-prefixed strings, `["null", "string"]` unions, and the
/// ISO-8601 timestamps the events carry.
enum DemoAvroEncoding {
    /// Appends `value` as a zig-zag varint (Avro int/long, enum index, union branch, length).
    static func appendLong(_ value: Int64, to buffer: inout [UInt8]) {
        AvroBinaryWriter.appendLong(value, to: &buffer)
    }

    /// An Avro `string`: length, then the UTF-8 bytes.
    static func string(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        appendLong(Int64(text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
        return out
    }

    /// A `["null", "string"]` union value: branch 0 (no payload) or branch 1 and the string.
    static func optionalString(_ text: String?) -> [UInt8] {
        guard let text else { return [0] }
        return [2] + string(text)
    }

    /// Appends the 4 bytes of `value`, big-endian.
    static func appendBigEndian(_ value: Int32, to buffer: inout [UInt8]) {
        let u = UInt32(bitPattern: value)
        buffer.append(UInt8(truncatingIfNeeded: u >> 24))
        buffer.append(UInt8(truncatingIfNeeded: u >> 16))
        buffer.append(UInt8(truncatingIfNeeded: u >> 8))
        buffer.append(UInt8(truncatingIfNeeded: u))
    }

    /// Length of the timestamp `appendTimestamp` writes: 29 with an offset, 24 with `Z`.
    static func timestampLength(utc: Bool) -> Int { utc ? 24 : 29 }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmm±HH:MM` (or `…Z` when `utc`) for instant `ms` (ms since
    /// the epoch) written at `offsetSeconds`; returns the year and month of the written date.
    /// Years must be in 1000...9999.
    static func appendTimestamp(ms: Int64, offsetSeconds: Int32, utc: Bool, to buffer: inout [UInt8]) -> (
        year: Int, month: Int
    ) {
        let offset = utc ? 0 : Int64(offsetSeconds)
        let local = ms + offset * 1000
        var days = local / 86_400_000
        var msOfDay = local % 86_400_000
        if msOfDay < 0 {
            msOfDay += 86_400_000
            days -= 1
        }
        let (year, month, day) = civil(daysSinceEpoch: days)
        appendDigits(year, count: 4, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(month, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(day, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "T"))
        let seconds = Int(msOfDay / 1000)
        appendDigits(seconds / 3600, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, count: 2, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        appendDigits(Int(msOfDay % 1000), count: 3, to: &buffer)
        if utc {
            buffer.append(UInt8(ascii: "Z"))
        } else {
            let minutes = Int(offset) / 60
            buffer.append(UInt8(ascii: minutes < 0 ? "-" : "+"))
            appendDigits(abs(minutes) / 60, count: 2, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            appendDigits(abs(minutes) % 60, count: 2, to: &buffer)
        }
        return (year, month)
    }

    /// Appends `value` as exactly `count` (2, 3 or 4) decimal digits.
    private static func appendDigits(_ value: Int, count: Int, to buffer: inout [UInt8]) {
        switch count {
        case 2:
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 10))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value % 10))
        case 3:
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 100))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 10 % 10))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value % 10))
        default:
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 1000 % 10))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 100 % 10))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value / 10 % 10))
            buffer.append(UInt8(truncatingIfNeeded: 48 + value % 10))
        }
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(daysSinceEpoch: Int64) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
