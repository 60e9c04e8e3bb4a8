/// Callbacks run on the polling thread when the group assigns or revokes partitions.
package struct RebalanceHandler: Sendable {
    /// Returns the offset to start each newly assigned partition at; partitions left out start at
    /// their committed offset (or `auto.offset.reset`).
    package var onAssign: @Sendable ([TopicPartition]) -> [TopicPartition: Int64]
    /// Runs before the partitions are taken away: the last chance to checkpoint them.
    package var onRevoke: @Sendable ([TopicPartition]) -> Void

    package init(
        onAssign: @escaping @Sendable ([TopicPartition]) -> [TopicPartition: Int64],
        onRevoke: @escaping @Sendable ([TopicPartition]) -> Void
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
    }
}
