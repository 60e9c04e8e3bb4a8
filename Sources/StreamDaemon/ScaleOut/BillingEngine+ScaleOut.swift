import Aggregation
import KafkaBridge
import Logging

extension BillingEngine {
    /// Scale-out assignment: each partition's state comes from the local checkpoint when that is
    /// at least as new (next offset) as the changelog's newest manifest, otherwise from the
    /// changelog (base + deltas; then saved locally as a base) unless the state restorable there
    /// is older than the local one (a newer delta or base missing). Every close request seen on the close topic is
    /// applied before consuming. A partition with committed offsets but no valid state in
    /// either place is refused.
    func assign(_ partitions: [PartitionKey], committed: [PartitionKey: Int64?], scaleOut: ScaleOutBinding) throws
        -> [PartitionKey: KafkaOffset]
    {
        var wanted: [(PartitionKey, PartitionSlot.Kind)] = []
        for key in partitions where slotIndex[key] == nil {
            if let kind = kind(of: key) { wanted.append((key, kind)) }
        }
        guard !wanted.isEmpty else { return [:] }
        let manifests = try scaleOut.changelog.manifests(for: wanted.map(\.0))
        scaleOut.absorb(Array(try scaleOut.closeLog.read().requests.values))
        let closes = ScaleOutBinding.periods(Array(scaleOut.requests.values))
        var starts: [PartitionKey: KafkaOffset] = [:]
        for (key, kind) in wanted {
            // The changelog publishes each checkpoint as written (`afterSave`): a base whole, a
            // delta as the next record of its chain, whose length `maxDeltas` bounds.
            let store = CheckpointStore(
                directory: settings.stateDir, name: PartitionSlot.checkpointName(key), logger: logger,
                maxDeltas: ChangelogStore.maxDeltasPerBase)
            let local = try store.loadForStart(zones: zones, expectingOffsets: false)
            let localNext = local?.state.partitions.first(where: { $0.key == key })?.nextOffset ?? -1
            let list = manifests[key] ?? []
            var state: PartitionState?
            var origin = "new"
            var dirty = false
            if let newest = list.last, newest.nextOffset > localNext || local == nil {
                do {
                    if let restored = try scaleOut.changelog.restore(key, manifests: list, zones: zones),
                        local == nil || restored.manifest.nextOffset >= localNext
                    {
                        try store.save(restored.state)
                        state = restored.state
                        origin =
                            "changelog generation \(restored.manifest.generation) (base \(restored.baseManifest.generation) + \(restored.deltas) deltas)"
                    }
                } catch {
                    // An older local state is still exact (it is read on from its own offsets).
                    guard local != nil else { throw error }
                    logger.warning(
                        "changelog state unreadable; using the older local checkpoint",
                        metadata: ["partition": "\(key)", "error": "\(error)"])
                }
            }
            if state == nil, let local {
                state = local.state
                origin = "local generation \(local.generation)"
                // Newer than the changelog (its publish did not finish): publish it again.
                dirty = localNext > (list.last?.nextOffset ?? -1)
            }
            if state == nil, (committed[key] ?? nil) != nil {
                throw AggregationError(
                    .refuseToStart,
                    "\(key) has committed offsets but no valid state, neither in \(settings.stateDir) nor in the changelog topic \(scaleOut.changelog.topic); refusing to start, since counting from the committed offsets would lose the aggregates and dedup keys before them",
                    source: settings.stateDir)
            }
            var current = state ?? PartitionState(zones: zones)
            for (ob, period) in closes where !current.isClosed(ob: ob, period: period) {
                current.markClosed(ob: ob, period: period)
                dirty = true
            }
            starts[key] = add(key: key, kind: kind, state: current, store: store, dirty: dirty, origin: origin)
        }
        return starts
    }

    /// Applies close requests read from the close topic to every owned partition; returns
    /// whether a state changed (then checkpoint and publish it promptly: closers wait for it).
    func applyCloses(_ requests: [CloseRecord]) -> Bool {
        var changed = false
        for (ob, period) in ScaleOutBinding.periods(requests) {
            for i in slots.indices where !slots[i].state.isClosed(ob: ob, period: period) {
                slots[i].state.markClosed(ob: ob, period: period)
                slots[i].dirty = true
                changed = true
            }
        }
        return changed
    }
}
