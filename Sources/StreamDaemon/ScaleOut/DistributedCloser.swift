import Aggregation
import Foundation
import KafkaBridge
import Invoicing
import Logging
import Prometheus
import Synchronization

/// Closes periods when the partition states live in the changelog and several instances own
/// them (the "close across instances" of the scale-out design):
/// 1. read every source partition's newest state from the changelog and decide what to close
///    (readiness: each partition's watermark past period end + grace, or the partition idle —
///    its state's next offset equals the broker's high watermark);
/// 2. append a close request per (OB, period) to the close topic unless one exists; the first
///    request in the log wins and fixes closed-at, forced and offsets for everyone;
/// 3. wait (bounded) until every partition's newest changelog state has the period closed —
///    each instance freezes it in the partitions it owns when it reads the request;
/// 4. merge those states, write workbook and manifest (idempotent), deliver, and append a
///    done note. Only the winning requester writes first; another closer waits for the done note
///    and then finds identical files in place. A close that times out reports "pending" and is
///    finished by the next trigger.
///
/// Blocking throughout (Kafka round trips, xlsx, delivery): run it on a daemon thread or with
/// `Blocking.run`.
final class DistributedCloser: Sendable {
    struct Settings: Sendable {
        var sourceTopics: [String]
        var graceMs: Int64
        var invoicesDir: String
        var pinnedClosedAtMs: Int64?
        /// Bound on waiting for the instances to freeze a period, and for another closer's done note.
        var waitSeconds: Double = 60
    }

    let settings: Settings
    let changelog: ChangelogStore
    let closeLog: CloseLog
    let zones: OBTimeZones
    let context: InvoicingContext
    let delivery: InvoiceDelivery?
    let metrics: DaemonMetrics?
    let logger: Logger
    let requester: String
    /// One close at a time per closer (its readers serve one reader per partition).
    private let serial = Mutex(())
    /// The last state read per partition, with the manifest record it came from.
    private let states = Mutex<[PartitionKey: (location: ChangelogManifest.Chunk?, state: PartitionState)]>([:])

    init(settings: Settings, changelog: ChangelogStore, closeLog: CloseLog, zones: OBTimeZones, context: InvoicingContext,
         delivery: InvoiceDelivery?, metrics: DaemonMetrics?, logger: Logger) {
        self.settings = settings
        self.changelog = changelog
        self.closeLog = closeLog
        self.zones = zones
        self.context = context
        self.delivery = delivery
        self.metrics = metrics
        self.logger = logger
        requester = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Every source partition, from the cluster's metadata.
    func sourcePartitions() throws -> [PartitionKey] {
        var keys: [PartitionKey] = []
        for topic in settings.sourceTopics {
            guard let count = try changelog.reader.partitionCount(topic) else {
                throw DaemonError(.close, "source topic not found in the cluster", source: topic)
            }
            keys += (0..<count).map { PartitionKey(topic: topic, partition: Int32($0)) }
        }
        return keys
    }

    /// The newest changelog state of every partition, and each partition's high watermark.
    struct View {
        var states: [PartitionKey: PartitionState] = [:]
        var highs: [PartitionKey: Int64] = [:]
        var keys: [PartitionKey] = []

        /// Partitions with records in Kafka but no state in the changelog.
        var missing: [PartitionKey] { keys.filter { states[$0] == nil && (highs[$0] ?? 0) > 0 } }

        func idle(_ tp: PartitionKey) -> Bool {
            let high = highs[tp] ?? 0
            guard let state = states[tp] else { return high == 0 }
            let next = state.partitions.first(where: { $0.key == tp })?.nextOffset ?? -1
            return high == 0 || next >= high
        }

        func merged(zones: OBTimeZones) throws -> PartitionState {
            var merged = PartitionState(zones: zones)
            for key in keys { if let state = states[key] { try merged.merge(state) } }
            return merged
        }

        /// Offset ranges of every partition with consumed records (the manifest's inputs).
        var offsets: [InvoiceInputs.OffsetRange] {
            keys.compactMap { tp -> InvoiceInputs.OffsetRange? in
                guard let state = states[tp],
                      let next = state.partitions.first(where: { $0.key == tp })?.nextOffset,
                      next >= 0 else { return nil }
                return InvoiceInputs.OffsetRange(topic: tp.topic, partition: tp.partition, firstOffset: 0, lastOffset: next - 1)
            }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        }
    }

    func readView(_ keys: [PartitionKey]) throws -> View {
        var view = View(keys: keys)
        let manifests = try changelog.manifests(for: keys)
        for key in keys {
            view.highs[key] = try changelog.reader.watermarks(key).high
            guard let list = manifests[key], let newest = list.last else { continue }
            // A state already read from the same manifest record is not fetched again (the
            // wait for the instances re-reads every 200 ms).
            if let cached = states.withLock({ $0[key] }), cached.location == newest.location {
                view.states[key] = cached.state
                continue
            }
            if let restored = try changelog.restore(key, manifests: list, zones: zones) {
                view.states[key] = restored.state
                states.withLock { $0[key] = (restored.manifest.location, restored.state) }
            }
        }
        return view
    }

    /// Closes what `scope` names (see the type's description).
    func close(_ scope: CloseScope, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) throws -> CloseReport {
        try serial.withLock { _ throws in try closeOnce(scope, nowMs: nowMs) }
    }

    private func closeOnce(_ scope: CloseScope, nowMs: Int64) throws -> CloseReport {
        var report = CloseReport()
        let keys = try sourcePartitions()
        let view = try readView(keys)
        let merged = try view.merged(zones: zones)
        let log = try closeLog.read()
        let pkeys = keys.map { $0 }
        let idle = Set(keys.filter { view.idle($0) }.map { $0 })
        func ready(_ ob: String, _ period: Period) -> Bool {
            view.missing.isEmpty
                && merged.readyToClose(ob: ob, period: period, graceMs: settings.graceMs, nowMs: nowMs, assigned: pkeys, isIdle: { idle.contains($0) })
        }

        var targets: [(ob: String, period: Period, forced: Bool)] = []
        switch scope {
        case .ready:
            for (ob, period) in merged.periods() {
                let key = "\(ob)-\(period)"
                if log.done[key] != nil { continue }
                if log.requests[key] != nil || ready(ob, period) { targets.append((ob, period, false)) }
            }
        case .period(let text, let only, let force):
            guard let period = Period(text) else {
                report.errors.append("\(text): not a period (YYYY-MM)")
                return report
            }
            var obs = Set(merged.periods().filter { $0.period == period }.map(\.ob))
            for request in log.requests.values where request.period == text { obs.insert(request.ob) }
            if let only { obs = [only] }
            for ob in obs.sorted() {
                if log.requests["\(ob)-\(period)"] != nil {
                    targets.append((ob, period, false))
                } else if ready(ob, period) || force {
                    targets.append((ob, period, !ready(ob, period)))
                } else {
                    let why = view.missing.isEmpty ? "" : " (no changelog state for \(view.missing.map(\.description).joined(separator: ", ")))"
                    report.notReady.append("\(ob) \(period)\(why)")
                }
            }
        }
        guard !targets.isEmpty else { return report }

        // 2. Requests: append ours where none exists, then take the first one in the log.
        var appended = false
        for target in targets where log.requests["\(target.ob)-\(target.period)"] == nil {
            try closeLog.append(CloseRecord(
                kind: .request, ob: target.ob, period: target.period.description, closedAtMs: settings.pinnedClosedAtMs ?? nowMs,
                forced: target.forced, requester: requester, offsets: view.offsets
            ))
            appended = true
        }
        let requests = appended ? try closeLog.read().requests : log.requests
        let wanted = targets.compactMap { requests["\($0.ob)-\($0.period)"] }

        // 3. Wait until every partition's newest state has the periods frozen.
        let deadline = Date().addingTimeInterval(settings.waitSeconds)
        var frozen = try readView(keys)
        var unfrozen = Self.unfrozen(frozen, wanted)
        while !unfrozen.isEmpty, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            frozen = try readView(keys)
            unfrozen = Self.unfrozen(frozen, wanted)
        }
        if !unfrozen.isEmpty {
            for request in wanted {
                report.errors.append("\(request.ob) \(request.period): pending — not yet frozen in \(unfrozen.map(\.description).joined(separator: ", ")); the next close finishes it")
            }
            return report
        }

        // 4. Write, deliver, note done.
        let state = try frozen.merged(zones: zones)
        for request in wanted {
            do {
                report.closed.append(try finish(request, state: state))
            } catch {
                metrics?.closeFailures.increment()
                logger.error("close failed", metadata: ["ob": "\(request.ob)", "period": "\(request.period)", "error": "\(error)"])
                report.errors.append("\(request.ob) \(request.period): \(error)")
            }
        }
        return report
    }

    /// Partitions whose newest state does not yet have every request's period closed (a
    /// partition without records needs nothing).
    static func unfrozen(_ view: View, _ requests: [CloseRecord]) -> [PartitionKey] {
        view.keys.filter { tp in
            guard let state = view.states[tp] else { return (view.highs[tp] ?? 0) > 0 }
            return requests.contains { request in
                guard let period = Period(request.period) else { return false }
                return !state.isClosed(ob: request.ob, period: period)
            }
        }
    }

    /// Writes and delivers one invoice. The winning requester writes first; another closer
    /// waits (bounded) for its done note, then renders the same files (left alone when identical).
    func finish(_ request: CloseRecord, state: PartitionState) throws -> CloseReport.Invoice {
        var alreadyDone = try closeLog.read().done[request.key] != nil
        if !alreadyDone && request.requester != requester {
            let deadline = Date().addingTimeInterval(settings.waitSeconds)
            while !alreadyDone, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                alreadyDone = try closeLog.read().done[request.key] != nil
            }
        }
        let invoice = try InvoiceFinisher(context: context, invoicesDir: settings.invoicesDir, delivery: delivery, metrics: metrics, logger: logger)
            .finish(state: state, ob: request.ob, period: request.period, offsets: request.offsets, forced: request.forced, closedAt: request.closedAt)
        if !alreadyDone, try closeLog.read().done[request.key] == nil {
            var done = request
            done.kind = .done
            done.requester = requester
            try closeLog.append(done)
        }
        return invoice
    }
}
