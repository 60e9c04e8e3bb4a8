import Aggregation
import Logging
import Prometheus

extension BillingEngine {
    /// Retires the closed periods past `periods.late_horizon_days` in every assigned partition:
    /// drops their dedup keys and compacts their rows (see `PartitionState+Retention.swift` and
    /// `+Compaction.swift`); a partition that changed is checkpointed next, the memory freed is
    /// handed back to the system (`malloc_trim`) and the done close journals of retired periods
    /// are deleted (`CloseJournal.removeRetired`). Returns how many keys were dropped. Cheap
    /// when nothing is due: one pass over the (OB, period) statistics rows of each state.
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
                "retired closed periods past the late horizon: dedup keys dropped, rows compacted",
                metadata: [
                    "partition": "\(slots[i].key)", "keys": "\(n)",
                    "rows": "\(slots[i].state.auditRows.count + slots[i].state.gatewayRows.count)",
                ])
        }
        if dropped > 0 {
            metrics.dedupKeysExpired.increment(by: Int64(dropped))
            markDirty(changed)  // a checkpoint is due: the state on disk shrinks too
            // glibc keeps freed heap pages (arrays of the retired rows, old hash tables) in its
            // arenas; once per retirement, give them back so that the RSS follows the state.
            HeapTrim.returnFreedMemory()
            if let horizon = settings.lateHorizonMs {
                let states = slots.map(\.state)
                CloseJournal.removeRetired(stateDir: settings.stateDir) { ob, period in
                    states.contains { $0.isBeyondLateHorizon(ob: ob, period: period, horizonMs: horizon) }
                }
            }
        }
        return dropped
    }
}
