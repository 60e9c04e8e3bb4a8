import Aggregation
import Avro
import KafkaBridge

/// The consumer thread's per-message working set: assigned partitions, decode buffers and the
/// counts of the current poll batch.
///
/// One value, so that `BillingEngine.handle` pays one exclusivity check on the engine per
/// message; inside, every access is to this struct's own storage and checked statically.
struct IngestState {
    var slots: [PartitionSlot] = []
    var slotIndex: [PartitionKey: Int] = [:]
    var eventsSinceCheckpoint = 0
    /// Per-batch counts, flushed into the metrics after each poll.
    var pending = PendingCounts()
    var auditValues: AvroValues
    var gatewayValues: AvroValues
    /// Batch buffers, reused: decoded events (views into the messages of the batch being
    /// handled — emptied before `handle(batch:)` returns), the message index of each, outcomes.
    var auditEvents: [AuditEvent] = []
    var gatewayEvents: [GatewayEvent] = []
    var eventMessages: [Int] = []
    var outcomes: [Result<PartitionState.Outcome, AggregationError>] = []
    /// Partitions paused by `handle` since the loop last took them (`BillingEngine.takeNewPauses`).
    var newPauses: [PartitionKey] = []
    /// The last event date seen, for the stamp parser (see `EventTime.DateCache`).
    var dates = EventTime.DateCache()

    init(decoders: MessageDecoders) {
        auditValues = AvroValues(count: decoders.auditFrames.fieldCount)
        gatewayValues = AvroValues(count: decoders.gatewayFrames.fieldCount)
    }

    /// Decodes and counts a poll batch, with the same effect as counting each message in turn
    /// (`PartitionState.ingest(_:source:)`): consecutive messages of one partition are decoded
    /// first, then counted together
    /// (`PartitionState.ingest(_:source:outcomes:)` overlaps their cache misses). The messages'
    /// buffers must stay valid until this returns; no event view outlives the call.
    ///
    /// A transient fault (`schema-pending`) at offset X of partition P pauses P at X: P's
    /// messages from X on are not handled (neither counted nor quarantined), its next offset
    /// stays X, and P is listed in `newPauses` for the loop to pause and seek it in the consumer.
    /// Messages of a paused partition are ignored until it is resumed.
    mutating func handle(batch messages: [KafkaMessage], decoders: MessageDecoders, quarantine: QuarantineWriter) throws
    {
        var start = 0
        while start < messages.count {
            let first = messages[start]
            var end = start + 1
            while end < messages.count, messages[end].partition == first.partition, messages[end].topic == first.topic {
                end += 1
            }
            defer { start = end }
            // Not ours (yet): fetched before revoke; or paused: fetched before the pause.
            guard let i = slotIndex[first.topicPartition], slots[i].paused == nil else { continue }
            try handleRun(messages, start..<end, slot: i, decoders: decoders, quarantine: quarantine)
        }
    }

    /// Decodes and counts consecutive messages of the partition of slot `i`.
    private mutating func handleRun(
        _ messages: [KafkaMessage], _ run: Range<Int>, slot i: Int, decoders: MessageDecoders,
        quarantine: QuarantineWriter
    ) throws {
        let source = slots[i].source
        let kind = slots[i].kind
        let next = slots[i].nextOffset
        var highest: Int64 = -1
        eventMessages.removeAll(keepingCapacity: true)
        defer {
            auditEvents.removeAll(keepingCapacity: true)
            gatewayEvents.removeAll(keepingCapacity: true)
        }
        for m in run {
            let message = messages[m]
            guard message.offset >= next else { continue }  // already in this state
            do {
                try decode(message, kind: kind, decoders: decoders)
                eventMessages.append(m)
            } catch let error as AvroError where error.code == .schemaPending {
                pause(slot: i, at: message)
                queueSchemas(of: messages[(m + 1)..<run.upperBound], kind: kind, decoders: decoders)
                break
            } catch {
                try quarantineMessage(message, error, slot: i, quarantine: quarantine)
            }
            highest = max(highest, message.offset)
            eventsSinceCheckpoint += 1
            pending.consumed(kind)
        }
        guard highest >= 0 else { return }
        switch kind {
        case .audit: slots[i].state.ingest(auditEvents, source: source, outcomes: &outcomes)
        case .gateway: slots[i].state.ingest(gatewayEvents, source: source, outcomes: &outcomes)
        }
        for (k, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let counted): pending.count(counted, kind: kind)
            case .failure(let error):
                try quarantineMessage(messages[eventMessages[k]], error, slot: i, quarantine: quarantine)
            }
        }
        slots[i].state.markConsumed(source: source, offset: highest)
        slots[i].dirty = true
    }

    /// Decodes one message into the batch's events.
    @inline(__always)
    private mutating func decode(_ message: KafkaMessage, kind: PartitionSlot.Kind, decoders: MessageDecoders) throws {
        switch kind {
        case .audit:
            try decoders.auditFrames.decode(message.value, into: &auditValues)
            auditEvents.append(try decoders.audit.event(auditValues, dates: &dates))
        case .gateway:
            try decoders.gatewayFrames.decode(message.value, into: &gatewayValues)
            gatewayEvents.append(try decoders.gateway.event(gatewayValues, dates: &dates))
        }
    }

    /// Asks the schema source for the writer schemas of the rest of a paused run, so that the
    /// fetcher gets every new id of the batch in one round (a stream of new ids then costs one
    /// pause per batch, not one per id). Cache lookups only; consecutive equal ids asked once.
    private func queueSchemas(of rest: ArraySlice<KafkaMessage>, kind: PartitionSlot.Kind, decoders: MessageDecoders) {
        let frames = kind == .audit ? decoders.auditFrames : decoders.gatewayFrames
        var last: Int32?
        for message in rest {
            guard let id = try? ConfluentFrame.split(message.value).schemaID, id != last else { continue }
            last = id
            _ = try? frames.decoder(schemaID: id)
        }
    }

    /// Pauses slot `i` at `message` (a transient fault): recorded for the loop in `newPauses`.
    private mutating func pause(slot i: Int, at message: KafkaMessage) {
        let schemaID = try? ConfluentFrame.split(message.value).schemaID
        slots[i].paused = PartitionPause(offset: message.offset, reason: .schemaRegistry, schemaID: schemaID)
        newPauses.append(slots[i].key)
    }

    /// Quarantines an undecodable or uncountable message and counts it in its partition's state.
    private mutating func quarantineMessage(
        _ message: KafkaMessage, _ error: any Error, slot i: Int, quarantine: QuarantineWriter
    ) throws {
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
        slots[i].state.recordQuarantined(source: slots[i].source, offset: message.offset)
        pending.quarantined(topic: message.topic, reason: reason)
    }
}
