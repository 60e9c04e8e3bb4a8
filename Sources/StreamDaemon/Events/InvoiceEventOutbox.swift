import Foundation
import Invoicing
import Synchronization

/// The durable outbox of `InvoiceClosed` events, in the state directory: one file per event and
/// sink, `<state>/events/<sink>/pending/<key>.json` (the JSON body), moved to
/// `<state>/events/<sink>/sent/<key>.json` once the sink acknowledged it (broker ack, HTTP 2xx).
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
    func sentPath(sink: String, key: String) -> String { "\(directory)/\(sink)/sent/\(key).json" }

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
                let sent = sentPath(sink: sink, key: key)
                guard !FileManager.default.fileExists(atPath: pending), !FileManager.default.fileExists(atPath: sent)
                else { continue }
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
    }

    /// Sort key of `<OB>-<YYYY-MM>-r<N>`: period, OB, then revision as a number.
    private static func order(_ key: String) -> (String, String, Int) {
        let parts = key.split(separator: "-")
        guard parts.count == 4, let revision = Int(parts[3].dropFirst()) else { return (key, "", 0) }
        return ("\(parts[1])-\(parts[2])", String(parts[0]), revision)
    }
}
