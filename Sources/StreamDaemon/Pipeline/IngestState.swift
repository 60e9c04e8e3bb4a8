import Aggregation
import Avro

/// The consumer thread's per-message working set: assigned partitions, the last lookup, decode
/// buffers and the counts of the current poll batch.
///
/// One value, so that `BillingEngine.handle` pays one exclusivity check on the engine per
/// message; inside, every access is to this struct's own storage and checked statically.
struct IngestState {
    var slots: [PartitionSlot] = []
    var slotIndex: [TopicPartition: Int] = [:]
    var lastKey: TopicPartition?
    var lastSlot = -1
    var eventsSinceCheckpoint = 0
    /// Per-batch counts, flushed into the metrics after each poll.
    var pending = PendingCounts()
    var auditValues: AvroValues
    var gatewayValues: AvroValues

    init(decoders: MessageDecoders) {
        auditValues = AvroValues(count: decoders.auditFrames.fieldCount)
        gatewayValues = AvroValues(count: decoders.gatewayFrames.fieldCount)
    }

    /// Decodes and counts one message; an undecodable one goes to quarantine and is counted as
    /// such. Every message advances its partition's next offset. Messages of partitions not
    /// assigned here, and offsets below the partition's next offset (fetched before a
    /// rebalance that reloaded the partition from its checkpoint), are ignored.
    mutating func handle(_ message: KafkaMessage, decoders: MessageDecoders, quarantine: QuarantineWriter) throws {
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
        let kind = slots[i].kind
        do {
            let outcome: PartitionState.Outcome
            switch kind {
            case .audit:
                try decoders.auditFrames.decode(message.value, into: &auditValues)
                let event = try decoders.audit.event(auditValues)
                outcome = try slots[i].state.ingest(event, source: source)
            case .gateway:
                try decoders.gatewayFrames.decode(message.value, into: &gatewayValues)
                let event = try decoders.gateway.event(gatewayValues)
                outcome = try slots[i].state.ingest(event, source: source)
            }
            pending.count(outcome, kind: kind)
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
        pending.consumed(kind)
    }
}
