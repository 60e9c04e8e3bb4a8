package import Aggregation

/// Callbacks run on the polling thread when the group assigns or revokes partitions.
package struct RebalanceHandler: Sendable {
    /// Returns the offset to start each newly assigned partition at; partitions left out start at
    /// their committed offset (or `auto.offset.reset`).
    package var onAssign: @Sendable ([PartitionKey]) -> [PartitionKey: KafkaOffset]
    /// Runs before the partitions are taken away: the last chance to checkpoint them.
    package var onRevoke: @Sendable ([PartitionKey]) -> Void

    package init(
        onAssign: @escaping @Sendable ([PartitionKey]) -> [PartitionKey: KafkaOffset],
        onRevoke: @escaping @Sendable ([PartitionKey]) -> Void
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
    }
}
