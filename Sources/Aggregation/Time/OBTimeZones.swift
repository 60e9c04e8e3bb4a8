import Synchronization

/// Which IANA time zone bills each OB, resolved to shared `PeriodCalendar`s.
///
/// Immutable after `init`; calendars are cached process-wide by identifier, so building
/// several tables (tests, reloads) computes each zone once.
package final class OBTimeZones: Sendable {
    /// OB code → zone identifier, as given.
    package let identifiers: [String: String]
    /// Zone for OBs not in `identifiers`; `nil` makes such events fail (they are quarantined).
    package let fallback: PeriodCalendar?
    private let calendars: [String: PeriodCalendar]

    /// - Throws: `AggregationError(.unknownTimeZone)` naming the OB whose zone is not IANA.
    package init(_ identifiers: [String: String], fallback: String? = nil) throws(AggregationError) {
        self.identifiers = identifiers
        var calendars: [String: PeriodCalendar] = [:]
        for (ob, zone) in identifiers {
            do {
                calendars[ob] = try Self.sharedCalendar(zone)
            } catch {
                throw AggregationError(.unknownTimeZone, "OB \(ob): \(error.message)", source: ob)
            }
        }
        self.calendars = calendars
        self.fallback = try fallback.map { id throws(AggregationError) in try Self.sharedCalendar(id) }
    }

    /// The calendar of `ob`, or the fallback.
    package func calendar(forOB ob: String) -> PeriodCalendar? {
        calendars[ob] ?? fallback
    }

    /// The zones of the 12 OBs in the test-data generator (its truth files' `time_zones`).
    package static let datagenZones: [String: String] = [
        "ESP": "Europe/Madrid", "BRA": "America/Sao_Paulo", "DEU": "Europe/Berlin",
        "GBR": "Europe/London", "ARG": "America/Argentina/Buenos_Aires", "CHL": "America/Santiago",
        "COL": "America/Bogota", "PER": "America/Lima", "MEX": "America/Mexico_City",
        "VEN": "America/Caracas", "ECU": "America/Guayaquil", "URY": "America/Montevideo",
    ]

    private static let cache = Mutex<[String: PeriodCalendar]>([:])

    /// The process-wide calendar of `identifier` (built once; the lock is not held while building).
    package static func sharedCalendar(_ identifier: String) throws(AggregationError) -> PeriodCalendar {
        if let hit = cache.withLock({ $0[identifier] }) { return hit }
        let built = try PeriodCalendar(identifier: identifier)
        return cache.withLock { cache in
            if let raced = cache[identifier] { return raced }
            cache[identifier] = built
            return built
        }
    }
}
