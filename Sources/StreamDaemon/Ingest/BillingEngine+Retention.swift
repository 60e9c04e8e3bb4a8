import Aggregation
import Logging
import Prometheus

extension BillingEngine {
    /// Drops the dedup keys of closed periods past `periods.late_horizon_days` in every assigned
    /// partition (see `PartitionState+Retention.swift`); a partition that dropped some is
    /// checkpointed next. Returns how many keys were dropped. Cheap when nothing is due: one pass
    /// over the (OB, period) statistics rows of each state.
    @discardableResult
    func expireBeyondHorizon() -> Int {
        guard settings.lateHorizonMs != nil else { return 0 }
        var dropped = 0
        var changed: [PartitionKey] = []
        for i in slots.indices {
            let n = slots[i].state.expireBeyondHorizon()
            guard n > 0 else { continue }
            changed.append(slots[i].key)
            dropped += n
            logger.notice(
                "dropped the dedup keys of closed periods past the late horizon",
                metadata: ["partition": "\(slots[i].key)", "keys": "\(n)"])
        }
        if dropped > 0 {
            metrics.dedupKeysExpired.increment(by: Int64(dropped))
            markDirty(changed)  // a checkpoint is due: the state on disk shrinks too
        }
        return dropped
    }
}
