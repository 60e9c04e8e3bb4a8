import Aggregation
import Avro
import Foundation
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
    }

    let settings: Settings
    let zones: OBTimeZones
    let metrics: DaemonMetrics
    let logger: Logger
    let quarantine: QuarantineWriter
    /// Writes checkpoints off this thread; stopped by `shutdown()`.
    let writer: CheckpointWriter
    private let auditExtractor: AuditEventExtractor
    private let gatewayExtractor: GatewayEventExtractor
    private let auditFrames: FrameDecoder
    private let gatewayFrames: FrameDecoder
    private var auditValues: AvroValues
    private var gatewayValues: AvroValues

    /// Assigned partitions. Index into `slots` through `slotIndex`.
    private(set) var slots: [PartitionSlot] = []
    private var slotIndex: [TopicPartition: Int] = [:]
    private var lastKey: TopicPartition?
    private var lastSlot = -1

    private(set) var eventsSinceCheckpoint = 0
    private(set) var lastCheckpoint = ContinuousClock.now
    /// Per-batch counts, flushed into the metrics after each poll.
    private var pending = PendingCounts()

    init(settings: Settings, zones: OBTimeZones, schemas: any WriterSchemaSource, quarantine: QuarantineWriter,
         metrics: DaemonMetrics, logger: Logger, afterSave: CheckpointWriter.AfterSave? = nil) throws {
        self.settings = settings
        self.zones = zones
        self.metrics = metrics
        self.logger = logger
        self.quarantine = quarantine
        auditExtractor = try AuditEventExtractor()
        gatewayExtractor = try GatewayEventExtractor()
        auditFrames = FrameDecoder(reader: auditExtractor.reader, fields: AuditEventExtractor.fields, schemas: schemas)
        gatewayFrames = FrameDecoder(reader: gatewayExtractor.reader, fields: GatewayEventExtractor.fields, schemas: schemas)
        auditValues = AvroValues(count: auditFrames.fieldCount)
        gatewayValues = AvroValues(count: gatewayFrames.fieldCount)
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
    func assign(_ partitions: [TopicPartition], committed: [TopicPartition: Int64?]) throws -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        for key in partitions where slotIndex[key] == nil {
            let kind: PartitionSlot.Kind
            if key.topic == settings.auditTopic { kind = .audit } else if key.topic == settings.gatewayTopic { kind = .gateway } else {
                logger.warning("ignoring a partition of an unconfigured topic", metadata: ["partition": "\(key)"])
                continue
            }
            let store = CheckpointStore(directory: settings.stateDir, name: PartitionSlot.checkpointName(key), logger: logger)
            let hasCommit = (committed[key] ?? nil) != nil
            let loaded = try store.loadForStart(zones: zones, expectingOffsets: hasCommit)
            var state = loaded?.state ?? PartitionState(zones: zones)
            let source = state.source(PartitionKey(topic: key.topic, partition: key.partition))
            let slot = PartitionSlot(key: key, kind: kind, state: state, store: store, source: source)
            slotIndex[key] = slots.count
            slots.append(slot)
            let next = slot.nextOffset
            starts[key] = next >= 0 ? next : -2  // RD_KAFKA_OFFSET_BEGINNING
            logger.info("partition state loaded", metadata: [
                "partition": "\(key)", "next_offset": "\(next)",
                "generation": "\(loaded.map { String($0.generation) } ?? "new")",
            ])
        }
        lastKey = nil
        return starts
    }

    /// Drops revoked partitions after the caller checkpointed them (and their gauges: another
    /// instance reports them now).
    func drop(_ partitions: [TopicPartition]) {
        let gone = Set(partitions)
        for key in slots.map(\.key) where gone.contains(key) { metrics.removePartition(key) }
        slots.removeAll { gone.contains($0.key) }
        slotIndex = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($1.key, $0) })
        lastKey = nil
    }

    var assigned: [TopicPartition] { slots.map(\.key).sorted() }

    // MARK: Ingest

    /// Decodes and counts one message; an undecodable one goes to quarantine and is counted as
    /// such. Every message advances its partition's next offset. Messages of partitions not
    /// assigned here, and offsets below the partition's next offset (fetched before a
    /// rebalance that reloaded the partition from its checkpoint), are ignored.
    func handle(_ message: KafkaMessage) throws {
        let i: Int
        if let last = lastKey, last.partition == message.partition, last.topic == message.topic { i = lastSlot } else {
            let key = message.topicPartition
            guard let found = slotIndex[key] else { return }  // not ours (yet): fetched before revoke
            i = found
            lastKey = key
            lastSlot = found
        }
        guard message.offset >= slots[i].nextOffset else { return }  // already in this state
        let source = slots[i].source
        do {
            let outcome: PartitionState.Outcome
            switch slots[i].kind {
            case .audit:
                try auditFrames.decode(message.value, into: &auditValues)
                let event = try auditExtractor.event(auditValues)
                outcome = try slots[i].state.ingest(event, source: source)
            case .gateway:
                try gatewayFrames.decode(message.value, into: &gatewayValues)
                let event = try gatewayExtractor.event(gatewayValues)
                outcome = try slots[i].state.ingest(event, source: source)
            }
            pending.count(outcome, kind: slots[i].kind)
            slots[i].state.markConsumed(source: source, offset: message.offset)
        } catch {
            let reason: String
            switch error {
            case let e as AvroError: reason = e.code.rawValue
            case let e as AggregationError: reason = e.code.rawValue
            default: reason = "other"
            }
            try quarantine.quarantine(
                topic: message.topic, partition: message.partition, offset: message.offset,
                reason: reason, detail: "\(error)", key: message.key, value: message.value
            )
            slots[i].state.recordQuarantined(source: source, offset: message.offset)
            pending.quarantined(topic: message.topic, reason: reason)
        }
        slots[i].dirty = true
        eventsSinceCheckpoint += 1
        pending.consumed(slots[i].kind)
    }

    /// Moves the per-batch counts into the metrics (once per poll, not per message).
    func flushMetrics() {
        pending.flush(into: metrics)
    }

    // MARK: Checkpoints

    /// Whether the configured interval (events or time) has passed since the last checkpoint.
    var checkpointDue: Bool {
        eventsSinceCheckpoint >= settings.checkpointEveryEvents
            || (eventsSinceCheckpoint > 0 && ContinuousClock.now - lastCheckpoint >= settings.checkpointInterval)
    }

    /// The checkpoint batch of every changed partition in `only` (default: all): value
    /// snapshots of their states, taken here on the consumer thread, plus the quarantine
    /// records to make durable first. Marks those partitions clean; a failed write must give
    /// them back with `markDirty`.
    func checkpointBatch(only: [TopicPartition]? = nil, force: Bool = false) throws -> CheckpointWriter.Batch {
        let quarantined = try quarantine.drain()
        let wanted = only.map(Set.init)
        var jobs: [CheckpointWriter.Job] = []
        for i in slots.indices where (force || slots[i].dirty) && (wanted?.contains(slots[i].key) ?? true) {
            jobs.append(CheckpointWriter.Job(key: slots[i].key, state: slots[i].state, store: slots[i].store, nextOffset: slots[i].nextOffset))
            slots[i].dirty = false
        }
        if only == nil {
            eventsSinceCheckpoint = 0
            lastCheckpoint = ContinuousClock.now
        }
        metrics.openAggregateRows.set(to: Double(slots.reduce(0) { $0 + $1.state.auditRows.count + $1.state.gatewayRows.count }))
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
    func checkpoint(only: [TopicPartition]? = nil, force: Bool = false) throws -> [TopicPartition: Int64] {
        var durable: [TopicPartition: Int64] = [:]
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
    func markDirty(_ partitions: [TopicPartition]) {
        for key in partitions { if let i = slotIndex[key] { slots[i].dirty = true } }
        if !partitions.isEmpty { eventsSinceCheckpoint = max(eventsSinceCheckpoint, 1) }
    }

    // MARK: State for close

    /// The merged state of every assigned partition plus, for partitions of our topics that are
    /// not assigned here (another instance sharing the state directory), their newest checkpoint.
    func mergedState() throws -> PartitionState {
        var merged = PartitionState(zones: zones)
        for slot in slots { try merged.merge(slot.state) }
        let mine = Set(slots.map { PartitionSlot.checkpointName($0.key) })
        for name in otherCheckpointNames() where !mine.contains(name) {
            let store = CheckpointStore(directory: settings.stateDir, name: name, logger: logger)
            if let loaded = try? store.load(zones: zones) { try merged.merge(loaded.state) }
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
    var progress: [(key: TopicPartition, watermarkMs: Int64?, nextOffset: Int64)] {
        slots.map { ($0.key, $0.watermarkMs == .min ? nil : $0.watermarkMs, $0.nextOffset) }
    }
}

/// Metric increments accumulated over one poll batch.
struct PendingCounts {
    var auditConsumed: Int64 = 0, gatewayConsumed: Int64 = 0
    var auditDecoded: Int64 = 0, gatewayDecoded: Int64 = 0
    var auditDuplicates: Int64 = 0, gatewayDuplicates: Int64 = 0
    var auditLate: Int64 = 0, gatewayLate: Int64 = 0
    var quarantine: [String: Int64] = [:]  // "topic\0reason"

    mutating func consumed(_ kind: PartitionSlot.Kind) {
        if kind == .audit { auditConsumed += 1 } else { gatewayConsumed += 1 }
    }

    mutating func count(_ outcome: PartitionState.Outcome, kind: PartitionSlot.Kind) {
        switch (outcome, kind) {
        case (.counted, .audit): auditDecoded += 1
        case (.counted, .gateway): gatewayDecoded += 1
        case (.duplicate, .audit): auditDecoded += 1; auditDuplicates += 1
        case (.duplicate, .gateway): gatewayDecoded += 1; gatewayDuplicates += 1
        case (.late, .audit): auditDecoded += 1; auditLate += 1
        case (.late, .gateway): gatewayDecoded += 1; gatewayLate += 1
        }
    }

    mutating func quarantined(topic: String, reason: String) {
        quarantine[topic + "\u{0}" + reason, default: 0] += 1
    }

    mutating func flush(into metrics: DaemonMetrics) {
        func add(_ counter: Counter, _ value: inout Int64) {
            if value != 0 { counter.increment(by: value); value = 0 }
        }
        add(metrics.audit.consumed, &auditConsumed)
        add(metrics.gateway.consumed, &gatewayConsumed)
        add(metrics.audit.decoded, &auditDecoded)
        add(metrics.gateway.decoded, &gatewayDecoded)
        add(metrics.audit.deduplicated, &auditDuplicates)
        add(metrics.gateway.deduplicated, &gatewayDuplicates)
        add(metrics.audit.late, &auditLate)
        add(metrics.gateway.late, &gatewayLate)
        for (key, value) in quarantine {
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            metrics.quarantined(topic: parts[0], reason: parts.count > 1 ? parts[1] : "").increment(by: value)
        }
        quarantine.removeAll(keepingCapacity: true)
    }
}
