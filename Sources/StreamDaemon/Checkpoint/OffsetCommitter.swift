import Aggregation
import Logging
import Prometheus

/// Commits the offsets that checkpoints made durable, and only those (commit gating).
///
/// The loop hands over the next offsets of each written checkpoint; a commit that fails (the
/// group rebalancing, a broker down) keeps them, and they go out with the next commit or the
/// next housekeeping tick's `retryPending()`, merged with newer durable offsets (the higher
/// offset of a partition wins). Offsets of partitions no longer owned are dropped: their new
/// owner commits them. An idle partition's committed offset thus never stays behind for good.
///
/// Confined to the consumer thread.
final class OffsetCommitter {
    private let consumer: any PartitionConsumer
    /// The partitions this member owns now.
    private let owned: () -> [PartitionKey]
    private let metrics: DaemonMetrics
    private let logger: Logger
    /// Durable offsets whose commit failed, retried until a commit succeeds.
    private(set) var uncommitted: [PartitionKey: Int64] = [:]

    init(consumer: any PartitionConsumer, metrics: DaemonMetrics, logger: Logger, owned: @escaping () -> [PartitionKey])
    {
        self.consumer = consumer
        self.owned = owned
        self.metrics = metrics
        self.logger = logger
    }

    /// Commits `durable` plus whatever an earlier failed commit left (of partitions still
    /// owned); nothing when that is empty.
    func commit(_ durable: [PartitionKey: Int64]) {
        uncommitted.merge(durable) { max($0, $1) }
        let owned = Set(owned())
        uncommitted = uncommitted.filter { owned.contains($0.key) }
        guard !uncommitted.isEmpty else { return }
        do {
            try consumer.commit(uncommitted)
            uncommitted.removeAll()
        } catch {
            metrics.commitFailures.increment()
            logger.warning("offset commit failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Retries the commit that failed last, if any (the housekeeping tick).
    func retryPending() {
        if !uncommitted.isEmpty { commit([:]) }
    }
}
