/// What changed in a `PartitionState` since its last checkpoint, for an incremental checkpoint
/// (`CheckpointCodec.encodeDelta`).
///
/// Only the dedup keys are logged as they are added (`count` appends each new key with its
/// reference, one branch and a 24-byte append per new event while `isTracking`). Everything else
/// is found at checkpoint time by comparison with what the last checkpoint held: strings are
/// append-only (a count), rows and statistics are compared with copies of them as checkpointed
/// (`auditShadow`, …; a few thousand 32-byte rows, compared in microseconds). Counters, closed
/// periods and partitions are small and written whole.
///
/// Anything that removes or renumbers entries bumps `PartitionState.layoutEpoch`, and a bulk
/// change that bypasses the log (`merge`) clears `isTracking`; either makes the next checkpoint a
/// full base. Not checkpointed.
package struct StateChanges: Sendable {
    /// One dedup key added since the baseline.
    package struct Key: Sendable, Equatable {
        package var lo: UInt64
        package var hi: UInt64
        package var ref: UInt32
        var pad: UInt32 = 0
    }

    /// Whether the state logs its new dedup keys against a baseline (`CheckpointStore.encode`
    /// starts it with each base).
    package internal(set) var isTracking = false
    /// Identifies the checkpoint chain the baseline belongs to (`CheckpointStore`); a state
    /// tracked against another chain gets a base.
    package internal(set) var chain: UInt64 = 0
    /// The record of that chain the baseline was taken at (0: its base).
    package internal(set) var sequence: UInt64 = 0
    /// `PartitionState.layoutEpoch` at the baseline.
    package internal(set) var epoch: UInt64 = 0
    /// Dedup keys added since the baseline, in order.
    package internal(set) var keys: [Key] = []
    /// Strings interned at the baseline (ids below are unchanged).
    package internal(set) var strings = 0
    /// Rows, statistics and day counts as of the baseline.
    var auditShadow: [AuditRow] = []
    var gatewayShadow: [GatewayRow] = []
    var statsShadow: [PeriodStatsRow] = []
    var dayShadow: [Int64] = []

    package init() {}

    /// Appends a new key (the hot path calls it only while `isTracking`).
    @inline(__always)
    mutating func log(_ fp: Fingerprint, ref: UInt32) {
        keys.append(Key(lo: fp.lo, hi: fp.hi, ref: ref))
    }
}
