import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Which (OB, period) pairs of a generated month a daemon may close at `now`, computed with
/// Foundation's calendar (independently of the daemon's own period tables): a period is ready
/// once its end in the OB's time zone plus the grace has passed.
struct ReadyPeriods {
    /// `OB/YYYY-MM` keys.
    var ready: [String]
    var notReady: [String]

    init(_ expected: DemoExpectedTotals, graceHours: Int = 6, now: Date = Date()) throws {
        let keys = Set(
            expected.auditGroups.map { "\($0.ob)/\($0.period)" }
                + expected.gatewayGroups.map { "\($0.ob)/\($0.period)" })
        var ready: [String] = []
        var notReady: [String] = []
        for key in keys.sorted() {
            let parts = key.split(separator: "/")
            let ob = String(parts[0])
            let period = parts[1].split(separator: "-")
            let zoneID = try #require(expected.timeZones[ob], "no time zone for \(ob)")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: zoneID), "unknown zone \(zoneID)")
            let start = try #require(
                calendar.date(from: DateComponents(year: Int(period[0]), month: Int(period[1]), day: 1)))
            let end = try #require(calendar.date(byAdding: .month, value: 1, to: start))
            if end.addingTimeInterval(Double(graceHours) * 3600) <= now {
                ready.append(key)
            } else {
                notReady.append(key)
            }
        }
        self.ready = ready
        self.notReady = notReady
    }

    /// The month before `now` (UTC), `YYYY-MM`: generated data of that month straddles into
    /// the current one, so some of its periods are ready and some are not.
    static func previousMonth(_ now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let previous = calendar.date(byAdding: .month, value: -1, to: now)!
        let c = calendar.dateComponents([.year, .month], from: previous)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }
}
