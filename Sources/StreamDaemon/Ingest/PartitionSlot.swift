import Aggregation

/// One assigned partition: its state, where it is checkpointed, and whether it changed since.
struct PartitionSlot {
    enum Kind { case audit, gateway }

    let key: PartitionKey
    let kind: Kind
    var state: PartitionState
    let store: CheckpointStore
    /// Index of this partition in `state.partitions` (the `source` of `ingest`).
    let source: Int
    /// Events since the last durable checkpoint.
    var dirty = false
    /// Set while the partition is paused by a transient fault: its messages are ignored.
    var paused: PartitionPause?

    var nextOffset: Int64 { state.partitions[source].nextOffset }
    var watermarkMs: Int64 { state.partitions[source].watermarkMs }

    /// The checkpoint file stem of a partition.
    static func checkpointName(_ key: PartitionKey) -> String { "\(key.topic)-\(key.partition)" }
}
