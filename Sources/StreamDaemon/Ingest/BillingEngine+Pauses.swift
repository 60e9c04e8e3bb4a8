import Aggregation
import Avro

/// Partitions paused by a transient fault (`PartitionSlot.paused`): the engine ignores their
/// messages until the consumer loop resumes them; the pause goes with the slot on revoke.
extension BillingEngine {
    /// The paused partitions and why, sorted.
    var paused: [(key: PartitionKey, pause: PartitionPause)] {
        slots.compactMap { slot in slot.paused.map { (key: slot.key, pause: $0) } }.sorted { $0.key < $1.key }
    }

    /// The pause of `key`, nil when it is not paused (or not assigned).
    func pause(of key: PartitionKey) -> PartitionPause? {
        slotIndex[key].flatMap { slots[$0].paused }
    }

    /// Pauses every assigned partition that is not paused yet at its next offset, for `reason`;
    /// returns those it paused.
    func pauseAll(reason: PartitionPause.Reason) -> [PartitionKey] {
        var paused: [PartitionKey] = []
        for i in slots.indices where slots[i].paused == nil {
            slots[i].paused = PartitionPause(offset: slots[i].nextOffset, reason: reason)
            paused.append(slots[i].key)
        }
        return paused
    }

    /// Lifts the pause of `key`; its messages are handled again from its next offset on.
    func resume(_ key: PartitionKey) {
        if let i = slotIndex[key] { slots[i].paused = nil }
    }

    /// Whether the schema a `schemaRegistry` pause waits for is settled: cached, or definitively
    /// unknown (its messages are then quarantined). Asks the schema source's cache only.
    func schemaSettled(_ pause: PartitionPause) -> Bool {
        guard let id = pause.schemaID else { return true }
        do {
            _ = try schemas.schema(id: id)
            return true
        } catch {
            return error.code != .schemaPending
        }
    }
}
