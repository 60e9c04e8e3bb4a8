import Aggregation
import Foundation
import Invoicing
import Synchronization

/// The durable outbox of `InvoiceClosed` events, in the state directory: one file per event and
/// sink, `<state>/events/<sink>/pending/<key>.json` (the JSON body), moved to
/// `<state>/events/<sink>/sent/<YYYY-MM>/<key>.json` (grouped by the invoice's period) once the
/// sink acknowledged it (broker ack, HTTP 2xx). A period's sent events are kept while it can be
/// issued again, then pruned whole (`pruneSent`).
///
/// Exactly one event per invoice revision comes from the close record, not from "did I send it":
/// the issuer adds the event of the revision it delivered *before* the close is recorded done
/// (journal done mark, close-topic done note), so a crash before that reissues the invoice —
/// idempotently, the same revision — and adds the same key again, which `add` ignores because a
/// pending or sent file exists. A crash between a sink's acknowledgement and the move resends it
/// with the same idempotency key: delivery is at least once, receivers drop repeats by key.
///
/// Writes are atomic and durable (`AtomicFile`: temporary file, fsync, rename, directory fsync).
final class InvoiceEventOutbox: Sendable {
    /// `<state>/events`.
    let directory: String
    /// The configured sinks' names (`kafka`, `webhook`): each gets its own copy of every event.
    let sinks: [String]
    /// Serializes `add` (check, then write) between the threads that issue invoices.
    private let adding = Mutex(())

    init(stateDir: String, sinks: [String]) {
        directory = "\(stateDir)/events"
        self.sinks = sinks
    }

    func pendingPath(sink: String, key: String) -> String { "\(directory)/\(sink)/pending/\(key).json" }
    /// `<state>/events/<sink>/sent/<YYYY-MM>/<key>.json`.
    func sentPath(sink: String, key: String) -> String {
        "\(directory)/\(sink)/sent/\(Self.period(ofKey: key) ?? "other")/\(key).json"
    }
    /// Where events were recorded sent before they were grouped by period (still honoured, and pruned).
    func legacySentPath(sink: String, key: String) -> String { "\(directory)/\(sink)/sent/\(key).json" }

    /// Adds `event` for every sink that has it neither pending nor sent; returns the sinks it
    /// was added for (empty: a repeat). Throws when a file cannot be written durably.
    @discardableResult
    func add(_ event: InvoiceClosedEvent) throws -> [String] {
        let body = try event.json()
        let key = event.idempotencyKey
        return try adding.withLock { _ throws -> [String] in
            var added: [String] = []
            for sink in sinks {
                let pending = pendingPath(sink: sink, key: key)
                guard !FileManager.default.fileExists(atPath: pending), !isSent(sink: sink, key: key) else { continue }
                do {
                    try AtomicFile.makeDirectory((pending as NSString).deletingLastPathComponent)
                    try AtomicFile.write(body, to: pending)
                } catch {
                    throw DaemonError(.event, "cannot store the invoice event: \(error)", source: pending)
                }
                added.append(sink)
            }
            return added
        }
    }

    /// The keys pending for `sink`, sorted (oldest period first; revisions in order for one period).
    func pendingKeys(sink: String) -> [String] {
        let dir = "\(directory)/\(sink)/pending"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted {
            Self.order($0) < Self.order($1)
        }
    }

    /// Every sink's pending events (`aura_invoice_events_pending`).
    var pendingCount: Int { sinks.reduce(0) { $0 + pendingKeys(sink: $1).count } }

    /// The body of a pending event, as `add` wrote it.
    func body(sink: String, key: String) throws -> Data {
        let path = pendingPath(sink: sink, key: key)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DaemonError(.event, "pending invoice event is gone", source: path)
        }
        return data
    }

    /// Records that `sink` acknowledged `key`: the sent copy is durable before the pending one goes.
    func markSent(sink: String, key: String, body: Data) throws {
        let sent = sentPath(sink: sink, key: key)
        do {
            try AtomicFile.makeDirectory((sent as NSString).deletingLastPathComponent)
            try AtomicFile.write(body, to: sent)
        } catch {
            throw DaemonError(.event, "cannot record the invoice event sent: \(error)", source: sent)
        }
        try? FileManager.default.removeItem(atPath: pendingPath(sink: sink, key: key))
    }

    /// Whether `sink` has acknowledged `key`.
    func isSent(sink: String, key: String) -> Bool {
        FileManager.default.fileExists(atPath: sentPath(sink: sink, key: key))
            || FileManager.default.fileExists(atPath: legacySentPath(sink: sink, key: key))
    }

    /// Removes every sink's sent events of the periods that ended (first instant of the next
    /// month, UTC, plus a day for the OBs' time zones) at least `retentionDays` days before
    /// `now`; returns how many event files went. A period's events go together, as its
    /// `sent/<YYYY-MM>` directory, so the cost is one listing of `sent/` (one entry per period
    /// kept) plus the removals. Pending events are never pruned. Throws when a directory that
    /// is due cannot be removed.
    @discardableResult
    func pruneSent(retentionDays: Int, now: Date = Date()) throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(retentionDays + 1) * 86_400)
        var removed = 0
        for sink in sinks {
            let sent = "\(directory)/\(sink)/sent"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: sent)) ?? []
            for name in names where !name.hasPrefix(".") {
                // `YYYY-MM` directories, and `<key>.json` files of the layout before them.
                let period = name.hasSuffix(".json") ? Self.period(ofKey: String(name.dropLast(5))) : name
                guard let period, let end = Self.end(ofPeriod: period), end <= cutoff else { continue }
                let path = "\(sent)/\(name)"
                let files =
                    name.hasSuffix(".json")
                    ? 1 : ((try? FileManager.default.contentsOfDirectory(atPath: path))?.count ?? 0)
                do {
                    try FileManager.default.removeItem(atPath: path)
                } catch {
                    throw DaemonError(.event, "cannot prune sent invoice events: \(error)", source: path)
                }
                removed += files
            }
        }
        return removed
    }

    /// `YYYY-MM` of a key `<OB>-<YYYY-MM>-r<N>`; nil for another name.
    static func period(ofKey key: String) -> String? { parse(key: key)?.period }

    /// The OB, `YYYY-MM` and revision of a key `<OB>-<YYYY-MM>-r<N>`; nil for another name.
    static func parse(key: String) -> (ob: String, period: String, revision: Int)? {
        let parts = key.split(separator: "-")
        guard parts.count == 4, parts[1].count == 4, parts[2].count == 2, parts[3].hasPrefix("r"),
            let revision = Int(parts[3].dropFirst())
        else { return nil }
        return (String(parts[0]), "\(parts[1])-\(parts[2])", revision)
    }

    /// The first instant after `period` (`YYYY-MM`), UTC; nil when it is not a month.
    static func end(ofPeriod period: String) -> Date? {
        guard let parsed = Period(period), parsed.description == period, let utc = TimeZone(identifier: "UTC") else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.date(from: DateComponents(year: parsed.next.year, month: parsed.next.month, day: 1))
    }

    /// Sort key of `<OB>-<YYYY-MM>-r<N>`: period, OB, then revision as a number.
    private static func order(_ key: String) -> (String, String, Int) {
        guard let parsed = parse(key: key) else { return (key, "", 0) }
        return (parsed.period, parsed.ob, parsed.revision)
    }
}
