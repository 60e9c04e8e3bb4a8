import Synchronization

/// Which IANA time zone bills each OB, resolved to shared `PeriodCalendar`s.
///
/// One table is shared by every partition state of a daemon. It only grows: `adopt(_:)` (SIGHUP)
/// adds OBs onboarded since start, and refuses to move an OB it already has to another zone,
/// because its events were already placed in months by the old one. Calendars are cached
/// process-wide by identifier, so building several tables (tests, reloads) computes each zone once.
package final class OBTimeZones: Sendable {
    private struct Table {
        var identifiers: [String: String]
        var calendars: [String: PeriodCalendar]
    }

    /// Zone for OBs not in `identifiers`; `nil` makes such events fail (they are quarantined).
    package let fallback: PeriodCalendar?
    /// Looked up when a partition state meets an OB for the first time and at close, never per
    /// event (states keep the calendar of each interned OB).
    private let table: Mutex<Table>

    /// - Throws: `AggregationError(.unknownTimeZone)` naming the OB whose zone is not IANA.
    package init(_ identifiers: [String: String], fallback: String? = nil) throws(AggregationError) {
        table = Mutex(Table(identifiers: identifiers, calendars: try Self.calendars(identifiers)))
        self.fallback = try fallback.map { id throws(AggregationError) in try Self.sharedCalendar(id) }
    }

    /// OB code → zone identifier, as given (and adopted since).
    package var identifiers: [String: String] { table.withLock { $0.identifiers } }

    /// The calendar of `ob`, or the fallback.
    package func calendar(forOB ob: String) -> PeriodCalendar? {
        table.withLock { $0.calendars[ob] } ?? fallback
    }

    /// Adds the OBs of `identifiers` this table does not have yet and returns them, sorted. All or
    /// nothing: nothing is added when a zone is not IANA or an OB already here would change zone.
    /// - Throws: `AggregationError(.unknownTimeZone)` naming the OB.
    @discardableResult
    package func adopt(_ identifiers: [String: String]) throws(AggregationError) -> [String] {
        let current = self.identifiers
        var added: [String: String] = [:]
        for (ob, zone) in identifiers {
            guard let known = current[ob] else {
                added[ob] = zone
                continue
            }
            if known != zone {
                throw AggregationError(
                    .unknownTimeZone,
                    "OB \(ob) would move from \(known) to \(zone): its events are already placed in months by "
                        + "\(known); a zone change needs a restart",
                    source: ob)
            }
        }
        let calendars = try Self.calendars(added)
        table.withLock { table in
            for (ob, zone) in added where table.identifiers[ob] == nil {
                table.identifiers[ob] = zone
                table.calendars[ob] = calendars[ob]
            }
        }
        return added.keys.sorted()
    }

    /// The calendar of each OB's zone.
    private static func calendars(_ identifiers: [String: String]) throws(AggregationError) -> [String: PeriodCalendar]
    {
        var calendars: [String: PeriodCalendar] = [:]
        for (ob, zone) in identifiers {
            do {
                calendars[ob] = try sharedCalendar(zone)
            } catch {
                throw AggregationError(.unknownTimeZone, "OB \(ob): \(error.message)", source: ob)
            }
        }
        return calendars
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
