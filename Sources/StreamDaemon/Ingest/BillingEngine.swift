import Aggregation
import Avro
import Foundation
import KafkaBridge
import Logging
import Prometheus

/// Decode → aggregate → checkpoint for the partitions this instance owns.
///
/// Confined to the consumer thread: every method runs on it (rebalance callbacks included,
/// since librdkafka calls them from inside `poll`). Not thread-safe, and needs not be.
final class BillingEngine {
    struct Settings {
        var stateDir: String
        var auditTopic: String
        var gatewayTopic: String
        var checkpointEveryEvents: Int
        var checkpointInterval: Duration
        /// `periods.late_horizon_days` in ms (nil: closed periods keep their dedup keys forever).
        var lateHorizonMs: Int64? = nil
        /// Bounds on rows and strings per partition state (`limits.max_rows_per_partition`).
        var limits = InputLimits()
        /// Scale-out mode (`state.changelog_topic`): states also live in the changelog.
        var scaleOut: ScaleOutBinding? = nil
    }

    let settings: Settings
    let zones: OBTimeZones
    let metrics: DaemonMetrics
    let logger: Logger
    let quarantine: QuarantineWriter
    /// Writes checkpoints off this thread; stopped by `shutdown()`.
    let writer: CheckpointWriter
    private let decoders: MessageDecoders
    /// Where writer schemas come from (asked again, from the cache, to see whether a pause cleared).
    let schemas: any WriterSchemaSource
    /// Everything `handle` touches per message, in one value: one exclusivity check on this
    /// class per message instead of one per field.
    private var ingest: IngestState

    /// Assigned partitions. Index into `slots` through `slotIndex`.
    var slots: [PartitionSlot] {
        get { ingest.slots }
        _modify { yield &ingest.slots }
        set { ingest.slots = newValue }
    }
    var slotIndex: [PartitionKey: Int] {
        get { ingest.slotIndex }
        set { ingest.slotIndex = newValue }
    }

    /// Messages consumed since the last checkpoint batch (`CheckpointSchedule` decides when one is due).
    private(set) var eventsSinceCheckpoint: Int {
        get { ingest.eventsSinceCheckpoint }
        set { ingest.eventsSinceCheckpoint = newValue }
    }
    /// When the last checkpoint batch of every partition was taken.
    private(set) var lastCheckpoint = ContinuousClock.now

    init(
        settings: Settings, zones: OBTimeZones, schemas: any WriterSchemaSource, quarantine: QuarantineWriter,
        metrics: DaemonMetrics, logger: Logger, afterSave: CheckpointWriter.AfterSave? = nil
    ) throws {
        self.settings = settings
        self.zones = zones
        self.metrics = metrics
        self.logger = logger
        self.quarantine = quarantine
        self.schemas = schemas
        decoders = try MessageDecoders(schemas: schemas)
        ingest = IngestState(decoders: decoders)
        writer = CheckpointWriter(afterSave: afterSave, metrics: metrics)
    }

    /// Stops the checkpoint writer thread (after the batch in flight).
    func shutdown() {
        writer.shutdown()
    }

    // MARK: Assignment

    /// Loads (or creates) the state of each newly assigned partition and returns the offset to
    /// start it at. `committed` are the group's committed offsets: a partition with a commit but
    /// no valid checkpoint is refused (starting over would count its history twice or lose it).
    func assign(_ partitions: [PartitionKey], committed: [PartitionKey: Int64?]) throws -> [PartitionKey: KafkaOffset] {
        if let scaleOut = settings.scaleOut { return try assign(partitions, committed: committed, scaleOut: scaleOut) }
        var starts: [PartitionKey: KafkaOffset] = [:]
        for key in partitions where slotIndex[key] == nil {
            guard let kind = kind(of: key) else { continue }
            let store = CheckpointStore(
                directory: settings.stateDir, name: PartitionSlot.checkpointName(key), logger: logger)
            let hasCommit = (committed[key] ?? nil) != nil
            let loaded = try store.loadForStart(zones: zones, expectingOffsets: hasCommit)
            starts[key] = add(
                key: key, kind: kind, state: loaded?.state ?? PartitionState(zones: zones), store: store,
                origin: loaded.map { "local generation \($0.generation)" } ?? "new")
        }
        return starts
    }

    /// Which of our topics `key` belongs to; nil (logged) for a partition of another topic.
    func kind(of key: PartitionKey) -> PartitionSlot.Kind? {
        if key.topic == settings.auditTopic { return .audit }
        if key.topic == settings.gatewayTopic { return .gateway }
        logger.warning("ignoring a partition of an unconfigured topic", metadata: ["partition": "\(key)"])
        return nil
    }

    /// Takes over partition `key` with `state`, and returns the offset to start it at.
    func add(
        key: PartitionKey, kind: PartitionSlot.Kind, state: PartitionState, store: CheckpointStore,
        dirty: Bool = false, origin: String
    ) -> KafkaOffset {
        var state = state
        state.lateHorizonMs = settings.lateHorizonMs
        state.limits = settings.limits
        let source = state.source(key)
        var slot = PartitionSlot(key: key, kind: kind, state: state, store: store, source: source)
        slot.dirty = dirty
        slotIndex[key] = slots.count
        slots.append(slot)
        let next = slot.nextOffset
        logger.info(
            "partition state loaded", metadata: ["partition": "\(key)", "next_offset": "\(next)", "from": "\(origin)"])
        return .at(next)
    }

    /// Drops revoked partitions after the caller checkpointed them (and their gauges: another
    /// instance reports them now).
    func drop(_ partitions: [PartitionKey]) {
        let gone = Set(partitions)
        for key in slots.map(\.key) where gone.contains(key) { metrics.removePartition(key) }
        slots.removeAll { gone.contains($0.key) }
        slotIndex = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($1.key, $0) })
    }

    var assigned: [PartitionKey] { slots.map(\.key).sorted() }

    // MARK: Ingest

    /// Decodes and counts a poll batch; an undecodable or uncountable message goes to quarantine
    /// and is counted as such. Every message advances its partition's next offset, except at a
    /// transient fault, which pauses the partition there (`takeNewPauses`). Messages of
    /// partitions not assigned here, and offsets below the partition's next offset (fetched
    /// before a rebalance that reloaded the partition from its checkpoint), are ignored. See
    /// `IngestState.handle(batch:)`.
    func handle(batch messages: [KafkaMessage]) throws {
        try ingest.handle(batch: messages, decoders: decoders, quarantine: quarantine)
    }

    /// The partitions `handle` paused since the last call (see `BillingEngine+Pauses`).
    func takeNewPauses() -> [PartitionKey] {
        defer { ingest.newPauses.removeAll(keepingCapacity: true) }
        return ingest.newPauses
    }

    /// Moves the per-batch counts into the metrics (once per poll, not per message).
    func flushMetrics() {
        ingest.pending.flush(into: metrics)
    }

    // MARK: Checkpoints

    /// The checkpoint batch of every changed partition in `only` (default: all): their states
    /// encoded here on the consumer thread, plus the quarantine records to make durable first. Marks those partitions clean; a failed write must give
    /// them back with `markDirty`.
    func checkpointBatch(only: [PartitionKey]? = nil, force: Bool = false) throws -> CheckpointWriter.Batch {
        let quarantined = try quarantine.drain()
        let wanted = only.map(Set.init)
        var jobs: [CheckpointWriter.Job] = []
        for i in slots.indices where (force || slots[i].dirty) && (wanted?.contains(slots[i].key) ?? true) {
            jobs.append(
                CheckpointWriter.Job(
                    key: slots[i].key, checkpoint: slots[i].store.encode(&slots[i].state), store: slots[i].store,
                    nextOffset: slots[i].nextOffset))
            slots[i].dirty = false
        }
        if only == nil {
            eventsSinceCheckpoint = 0
            lastCheckpoint = ContinuousClock.now
        }
        metrics.openAggregateRows.set(
            to: Double(slots.reduce(0) { $0 + $1.state.auditRows.count + $1.state.gatewayRows.count }))
        metrics.dedupKeys.set(to: Double(slots.reduce(0) { $0 + $1.state.dedup.count }))
        return CheckpointWriter.Batch(jobs: jobs, quarantine: quarantined)
    }

    /// Starts writing a checkpoint of every changed partition on the writer thread; collect
    /// the outcome with `writer.takeCompleted()`.
    /// - Precondition: `!writer.busy`.
    func checkpointInBackground() throws {
        writer.submit(try checkpointBatch())
    }

    /// Writes a checkpoint of every changed partition in `only` (default: all) now, after the
    /// batch in flight, and returns the next offsets now durable (the in-flight batch's
    /// included), to commit.
    @discardableResult
    func checkpoint(only: [PartitionKey]? = nil, force: Bool = false) throws -> [PartitionKey: Int64] {
        var durable: [PartitionKey: Int64] = [:]
        for earlier in writer.drain() {
            if earlier.error != nil { markDirty(earlier.failed) }
            durable.merge(earlier.durable) { max($0, $1) }
        }
        let done = writer.write(try checkpointBatch(only: only, force: force))
        durable.merge(done.durable) { max($0, $1) }
        if let error = done.error {
            markDirty(done.failed)
            throw error
        }
        return durable
    }

    /// Gives partitions whose checkpoint failed back their "changed" mark, and makes a
    /// checkpoint due again after the interval.
    func markDirty(_ partitions: [PartitionKey]) {
        for key in partitions { if let i = slotIndex[key] { slots[i].dirty = true } }
        if !partitions.isEmpty { eventsSinceCheckpoint = max(eventsSinceCheckpoint, 1) }
    }

    // MARK: State for close

    /// The merged state of every assigned partition plus, for partitions of our topics that are
    /// not assigned here (another instance sharing the state directory), their newest readable
    /// checkpoint. A partition none of whose checkpoints loads fails the merge (naming the file):
    /// a close must not silently leave its events out. With `keys: false` the dedup keys are
    /// left out (`PartitionState.merge(_:keys:)`): enough to plan a close, without copying the
    /// bulk of the state.
    func mergedState(keys: Bool = true) throws -> PartitionState {
        var merged = PartitionState(zones: zones)
        for slot in slots { try merged.merge(slot.state, keys: keys) }
        let mine = Set(slots.map { PartitionSlot.checkpointName($0.key) })
        for name in otherCheckpointNames() where !mine.contains(name) {
            let store = CheckpointStore(directory: settings.stateDir, name: name, logger: logger)
            try merged.merge(try store.load(zones: zones).state, keys: keys)
        }
        return merged
    }

    /// Checkpoint stems in the state directory that belong to our two topics.
    private func otherCheckpointNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: settings.stateDir)) ?? []
        var names = Set<String>()
        for file in files where file.hasSuffix(".ckpt") {
            // <topic>-<partition>.<20 digits>.ckpt
            let stem = file.dropLast(".ckpt".count)
            guard let dot = stem.lastIndex(of: ".") else { continue }
            let name = String(stem[..<dot])
            for topic in [settings.auditTopic, settings.gatewayTopic] where name.hasPrefix(topic + "-") {
                if Int32(name.dropFirst(topic.count + 1)) != nil { names.insert(name) }
            }
        }
        return names.sorted()
    }

    /// Marks (ob, period) closed in every assigned partition's state: from now on its events are late.
    func markClosed(ob: String, period: Period) {
        for i in slots.indices {
            slots[i].state.markClosed(ob: ob, period: period)
            slots[i].dirty = true
        }
    }

    /// Watermarks (nil before the first event) and next offsets of the assigned partitions.
    var progress: [(key: PartitionKey, watermarkMs: Int64?, nextOffset: Int64)] {
        slots.map { ($0.key, $0.watermarkMs == .min ? nil : $0.watermarkMs, $0.nextOffset) }
    }
}
