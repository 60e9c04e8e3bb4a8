extension PartitionState {
    /// Whether `changes` describes everything that changed since record `sequence` of checkpoint
    /// chain `chain`: tracking on, same chain and record, no entry removed or renumbered since
    /// (layout epoch), and no array shorter than its baseline.
    package func hasDelta(chain: UInt64, sequence: UInt64) -> Bool {
        changes.isTracking && changes.chain == chain && changes.sequence == sequence && changes.epoch == layoutEpoch
            && strings.count >= changes.strings && auditRows.count >= changes.auditShadow.count
            && gatewayRows.count >= changes.gatewayShadow.count && stats.count >= changes.statsShadow.count
            && dayCounts.count == 31 * stats.count
    }

    /// Makes the current state the baseline of record `sequence` (0: the base) of checkpoint chain
    /// `chain`: the next delta holds what changes from here. Called right after encoding a base or
    /// a delta. The shadows get their own copies (not shared buffers), so counting on does not
    /// copy a row array.
    package mutating func markCheckpointed(chain: UInt64, sequence: UInt64) {
        changes.isTracking = true
        changes.chain = chain
        changes.sequence = sequence
        changes.epoch = layoutEpoch
        changes.keys.removeAll(keepingCapacity: true)
        changes.strings = strings.count
        Self.copy(auditRows, into: &changes.auditShadow)
        Self.copy(gatewayRows, into: &changes.gatewayShadow)
        Self.copy(stats, into: &changes.statsShadow)
        Self.copy(dayCounts, into: &changes.dayShadow)
    }

    /// Stops logging changes (and frees the log): the next checkpoint is a base.
    package mutating func stopTrackingChanges() {
        changes = StateChanges()
    }

    private static func copy<T>(_ source: [T], into target: inout [T]) {
        target.removeAll(keepingCapacity: true)
        target.append(contentsOf: source)
    }
}
