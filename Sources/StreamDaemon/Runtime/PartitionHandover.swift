import Aggregation
import KafkaBridge
import Logging
import Synchronization

/// The group's rebalance callbacks: takes assigned partitions over from their checkpoints, and
/// hands revoked ones over with a checkpoint and a commit.
///
/// librdkafka calls `handler` from inside `pollBatches` or `close`, where nothing can be thrown:
/// a failure is kept and rethrown by the loop (`rethrowFailure`), which stops the consumer.
///
/// `@unchecked Sendable` (the callbacks must be `@Sendable`): every member runs on the consumer
/// thread, since the callbacks are invoked synchronously from calls made there.
final class PartitionHandover: @unchecked Sendable {
    private let engine: BillingEngine
    private let status: DaemonStatus
    private let logger: Logger
    /// Weak: the consumer owns the rebalance callbacks that hold this object. Set once the
    /// consumer is made, before it is subscribed.
    weak var consumer: (any PartitionConsumer)?
    private let failure = Mutex<(any Error)?>(nil)

    init(engine: BillingEngine, status: DaemonStatus, logger: Logger) {
        self.engine = engine
        self.status = status
        self.logger = logger
    }

    /// The callbacks to make the consumer with.
    var handler: RebalanceHandler {
        RebalanceHandler(onAssign: { [self] in assign($0) }, onRevoke: { [self] in revoke($0) })
    }

    /// Reads the group's committed offsets, loads or creates the partitions' states, and
    /// returns the offsets to start them at; on failure nothing is started here.
    func assign(_ partitions: [PartitionKey]) -> [PartitionKey: KafkaOffset] {
        do {
            let committed = try consumer?.committed(partitions, timeoutMs: 10_000) ?? [:]
            let starts = try engine.assign(partitions, committed: committed)
            status.update { [engine] in
                $0.assigned = engine.assigned
                $0.stateLoaded = true
            }
            return starts
        } catch {
            logger.critical("cannot take over partitions", metadata: ["error": "\(error)"])
            failure.withLock { $0 = error }
            return [:]
        }
    }

    /// Checkpoints the partitions and commits their offsets (a failed commit is fine: the
    /// checkpoint holds them), then drops them.
    func revoke(_ partitions: [PartitionKey]) {
        do {
            let durable = try engine.checkpoint(only: partitions)
            do { try consumer?.commit(durable) } catch {
                // Expected while the group rebalances; the checkpoint holds the offsets.
                logger.info(
                    "commit on revoke failed; the checkpoint holds the offsets", metadata: ["error": "\(error)"])
            }
        } catch let error as DaemonError where error.code == .quarantine {
            // Transient (disk full): nothing of these partitions was committed past their last
            // checkpoint, so their next owner reads them again; the records stay buffered here.
            logger.error(
                "quarantine unwritable on revoke; the partitions are handed over from their last checkpoint",
                metadata: ["error": "\(error)"])
        } catch {
            logger.error("checkpoint on revoke failed", metadata: ["error": "\(error)"])
            failure.withLock { $0 = error }
        }
        // A paused partition's pause goes with it: whoever owns it next starts from its checkpoint.
        let paused = partitions.filter { engine.pause(of: $0) != nil }
        do { try consumer?.resume(paused) } catch {
            logger.info("resuming revoked paused partitions failed", metadata: ["error": "\(error)"])
        }
        engine.drop(partitions)
        status.update { [engine] in $0.assigned = engine.assigned }
    }

    /// Rethrows the failure of a callback, if one failed.
    func rethrowFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
