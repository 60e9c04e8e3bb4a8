import Foundation
import StreamDaemon

/// The UTC offsets of one IANA time zone around the demo month, as a step function, and the
/// UTC instants of its local month starts: computed once with Foundation, then read per event
/// without Foundation.
struct DemoZoneTable: Sendable {
    /// Instants (ms since the epoch, ascending) from which `offsets[i]` applies.
    private let starts: [Int64]
    /// UTC offsets in seconds.
    private let offsets: [Int32]
    /// UTC ms of local midnight on the 1st of months target−1, target, target+1, target+2.
    let monthStarts: [Int64]

    /// - Parameters: `identifier` an IANA zone; `year`/`month` the target month.
    init(identifier: String, year: Int, month: Int) throws(DaemonError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw DaemonError(.usage, "unknown time zone \(identifier)", source: "demo catalogue")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var starts: [Int64] = []
        for k in -1...2 {
            let total = year * 12 + (month - 1) + k
            let components = DateComponents(
                year: total / 12, month: total % 12 + 1, day: 1, hour: 0, minute: 0, second: 0)
            guard let date = calendar.date(from: components) else {
                throw DaemonError(.usage, "cannot compute the start of month \(components) in \(identifier)")
            }
            starts.append(Int64((date.timeIntervalSince1970 * 1000).rounded()))
        }
        monthStarts = starts

        // Sample hourly from two days before to two days after the window; find each change of
        // offset to the second by bisection (no zone changes offset twice within an hour).
        func offset(_ seconds: Int64) -> Int32 {
            Int32(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
        let first = starts[0] / 1000 - 2 * 86_400
        let last = starts[3] / 1000 + 2 * 86_400
        var transitionStarts: [Int64] = [Int64.min]
        var transitionOffsets: [Int32] = [offset(first)]
        var previous = first
        var t = first + 3600
        while t <= last {
            let current = offset(t)
            if current != transitionOffsets[transitionOffsets.count - 1] {
                var lo = previous  // offset(lo) is the old offset
                var hi = t  // offset(hi) is the new one
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if offset(mid) == current { hi = mid } else { lo = mid }
                }
                transitionStarts.append(hi * 1000)
                transitionOffsets.append(current)
            }
            previous = t
            t += 3600
        }
        self.starts = transitionStarts
        self.offsets = transitionOffsets
    }

    /// The zone's UTC offset in seconds at instant `ms` (ms since the epoch).
    func offsetSeconds(at ms: Int64) -> Int32 {
        var i = starts.count - 1
        while starts[i] > ms { i -= 1 }  // starts[0] is Int64.min: the loop always stops
        return offsets[i]
    }

    /// Offset changes inside the window (for tests and the demo's description).
    var transitionCount: Int { starts.count - 1 }

    /// The local month of instant `ms` relative to the target month: −1, 0, 1 (−2 before the
    /// window, 2 after it).
    func relativeMonth(of ms: Int64) -> Int {
        if ms < monthStarts[0] { return -2 }
        if ms < monthStarts[1] { return -1 }
        if ms < monthStarts[2] { return 0 }
        if ms < monthStarts[3] { return 1 }
        return 2
    }
}
