import Aggregation
import Foundation
import Invoicing
import KafkaBridge
import Logging
import Prometheus
import Synchronization

/// Closes periods when the partition states live in the changelog and several instances own
/// them (the "close across instances" of the scale-out design):
/// 1. read every source partition's newest state from the changelog and decide what to close
///    with `ClosePlan` (readiness: each partition's watermark past period end + grace, or the
///    partition idle — its state's next offset equals the broker's high watermark);
/// 2. append a close request per (OB, period) to the close topic unless one exists; the first
///    request in the log wins and fixes closed-at, forced and offsets for everyone;
/// 3. wait (bounded) until every partition's newest changelog state has the period closed —
///    each instance freezes it in the partitions it owns when it reads the request;
/// 4. merge those states, write workbook and manifest (idempotent), deliver, and append a
///    done note. Only the winning requester writes first; another closer waits for the done note
///    and then finds identical files in place. A close that times out reports "pending", and
///    one whose delivery fails reports the error; either stays recorded without a done note and
///    is finished by the next trigger or, without one, by `ScaleOutCloseService`'s retry
///    (`CloseScope.recorded`, with back-off).
/// Steps 2–4 are `CloseExecutor`'s steps, done the scale-out way by `DistributedCloser.Steps`.
///
/// Blocking throughout (Kafka round trips, xlsx, delivery): run it on a daemon thread or with
/// `Blocking.run`.
final class DistributedCloser: Sendable {
    struct Settings: Sendable {
        var sourceTopics: [String]
        var graceMs: Int64
        var invoicesDir: String
        var pinnedClosedAtMs: Int64?
        /// `periods.late_horizon_days` in ms: closed periods past it are compacted and never
        /// closed again (nil: no horizon).
        var lateHorizonMs: Int64? = nil
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
    /// The outbox of invoice events (`events.*`); nil without.
    let events: InvoiceEventOutbox?
    let requester: String
    /// One close at a time per closer (its readers serve one reader per partition).
    let serial = Mutex(())
    /// The last state read per partition, with the manifest record it came from.
    private let states = Mutex<[PartitionKey: (location: ChangelogManifest.Chunk?, state: PartitionState)]>([:])
    /// Keys whose requester's done note was awaited the full `waitSeconds` in vain (that
    /// requester stopped or failed): later attempts on them do not wait again.
    private let abandoned = Mutex<Set<String>>([])

    init(
        settings: Settings, changelog: ChangelogStore, closeLog: CloseLog, zones: OBTimeZones,
        context: InvoicingContext,
        delivery: InvoiceDelivery?, metrics: DaemonMetrics?, logger: Logger, events: InvoiceEventOutbox? = nil
    ) {
        self.events = events
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

        /// The next offset `tp`'s own state records; nil without a state.
        func nextOffset(_ tp: PartitionKey) -> Int64? {
            states[tp]?.partitions.first(where: { $0.key == tp })?.nextOffset
        }

        /// Caught up: the state's next offset is at the broker's high watermark (or the partition has no records).
        func idle(_ tp: PartitionKey) -> Bool {
            let high = highs[tp] ?? 0
            guard states[tp] != nil else { return high == 0 }
            return high == 0 || (nextOffset(tp) ?? -1) >= high
        }

        func merged(zones: OBTimeZones) throws -> PartitionState {
            var merged = PartitionState(zones: zones)
            for key in keys { if let state = states[key] { try merged.merge(state) } }
            return merged
        }

        /// The plan's facts from the changelog: every source partition's progress and idleness,
        /// the partitions whose state is missing, and the close topic's requests (recorded) and
        /// done notes (finished).
        func facts(
            _ scope: CloseScope, merged: PartitionState, log: CloseLog.Summary, graceMs: Int64, nowMs: Int64,
            horizonMs: Int64?
        ) -> ClosePlan.Facts {
            let partitions = keys.map {
                ClosePlan.Partition($0, in: merged, nextOffset: nextOffset($0), idle: idle($0))
            }
            let recorded = Self.periodKeys(log.requests.values)
            return ClosePlan.Facts(
                periods: ClosePlan.Key.periods(in: merged),
                zones: merged.zones, partitions: partitions, missingStates: missing,
                recorded: recorded, finished: Self.periodKeys(log.done.values),
                graceMs: graceMs, nowMs: nowMs,
                retired: ClosePlan.retired(scope, candidates: recorded, merged: merged, horizonMs: horizonMs))
        }

        /// The (OB, period) pairs of close records.
        static func periodKeys(_ records: some Sequence<CloseRecord>) -> Set<ClosePlan.Key> {
            Set(records.compactMap { r in Period(r.period).map { ClosePlan.Key(ob: r.ob, period: $0) } })
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

    /// The keys of closes requested in the close topic without a done note (`CloseLog.Summary.pendingKeys`);
    /// nil while a close runs on this closer (its readers are busy: ask again later). Never waits.
    func pendingKeys() throws -> [String]? {
        try serial.withLockIfAvailable { _ throws in try closeLog.read().pendingKeys }
    }

    /// Whether the done note of `key` was awaited in vain before; `abandon` marks it so.
    func isAbandoned(_ key: String) -> Bool { abandoned.withLock { $0.contains(key) } }
    func abandon(_ key: String) { abandoned.withLock { _ = $0.insert(key) } }

    private func closeOnce(_ scope: CloseScope, nowMs: Int64) throws -> CloseReport {
        // 1. Read the close topic, the newest states, and plan. A `.recorded` close with nothing
        //    recorded and not finished stops here (the retry's cheap check).
        let log = try closeLog.read()
        if scope == .recorded, log.pendingKeys.isEmpty { return CloseReport() }
        let keys = try sourcePartitions()
        let view = try readView(keys)
        let merged = try view.merged(zones: zones)
        let facts = view.facts(
            scope, merged: merged, log: log, graceMs: settings.graceMs, nowMs: nowMs,
            horizonMs: settings.lateHorizonMs)
        let plan = ClosePlan(scope: scope, facts: facts)
        let taken = Set(plan.targets.map { ClosePlan.Key(ob: $0.ob, period: $0.period) })
        metrics?.periodsReady.set(to: Double(ClosePlan.readyKeys(facts).subtracting(taken).count))
        let executor = CloseExecutor(
            issuer: InvoiceIssuer(
                context: context, invoicesDir: settings.invoicesDir, delivery: delivery, metrics: metrics,
                logger: logger, events: events),
            metrics: metrics, logger: logger)
        return try executor.run(
            plan, steps: Steps(closer: self, keys: keys, log: log), state: merged,
            closedAtMs: settings.pinnedClosedAtMs ?? nowMs)
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
}
