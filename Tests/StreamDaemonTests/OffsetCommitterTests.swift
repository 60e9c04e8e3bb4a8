import Aggregation
import Logging
import Synchronization
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// Commit gating: what the committer sends to the group, given durable offsets, the partitions
/// owned and commits that fail.
@Suite("Offset committer")
struct OffsetCommitterTests {
    static let a = PartitionKey(topic: "aura.audit", partition: 0)
    static let b = PartitionKey(topic: "aura.audit", partition: 1)
    static let g = PartitionKey(topic: "aura.gateway", partition: 0)

    /// A committer over a fake consumer owning `owned` (changeable through the box).
    final class Setup {
        let consumer = FakePartitionConsumer(rebalance: RebalanceHandler(onAssign: { _ in [:] }, onRevoke: { _ in }))
        let metrics = DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway")
        var owned: [PartitionKey] = [a, b, g]
        lazy var committer = OffsetCommitter(consumer: consumer, metrics: metrics, logger: Logger(label: "test.commit"))
        { [unowned self] in
            owned
        }
    }

    @Test("durable offsets are committed at once when the commit succeeds")
    func commitsDurable() {
        let setup = Setup()
        setup.committer.commit([Self.a: 10, Self.g: 4])
        #expect(setup.consumer.commitAttempts == [[Self.a: 10, Self.g: 4]])
        #expect(setup.committer.uncommitted.isEmpty)
    }

    @Test("nothing is committed when there is nothing new")
    func nothingNew() {
        let setup = Setup()
        setup.committer.commit([:])
        setup.committer.retryPending()
        #expect(setup.consumer.commitAttempts.isEmpty)
    }

    @Test("a failed commit is kept and retried on the next tick, merged with newer offsets (the higher per partition)")
    func failedCommitMerged() {
        let setup = Setup()
        setup.consumer.failingCommits = 1
        setup.committer.commit([Self.a: 10, Self.b: 7])
        #expect(setup.committer.uncommitted == [Self.a: 10, Self.b: 7])
        #expect(setup.consumer.groupOffsets.isEmpty)
        setup.committer.commit([Self.a: 25, Self.g: 3])
        #expect(setup.consumer.commitAttempts.last == [Self.a: 25, Self.b: 7, Self.g: 3])
        #expect(setup.consumer.groupOffsets == [Self.a: 25, Self.b: 7, Self.g: 3])
        #expect(setup.committer.uncommitted.isEmpty)
    }

    @Test("the housekeeping retry commits what failed before, and stops once it went through")
    func retryPending() {
        let setup = Setup()
        setup.consumer.failingCommits = 2
        setup.committer.commit([Self.a: 10])
        setup.committer.retryPending()
        #expect(setup.consumer.commitAttempts.count == 2)
        setup.committer.retryPending()
        #expect(setup.consumer.groupOffsets == [Self.a: 10])
        setup.committer.retryPending()
        #expect(setup.consumer.commitAttempts.count == 3, "nothing left to retry")
    }

    @Test("offsets of partitions no longer owned are dropped, not committed")
    func dropsRevoked() {
        let setup = Setup()
        setup.consumer.failingCommits = 1
        setup.committer.commit([Self.a: 10, Self.b: 7])
        setup.owned = [Self.a]
        setup.committer.commit([Self.b: 9])
        #expect(setup.consumer.commitAttempts.last == [Self.a: 10])
        setup.owned = []
        setup.consumer.failingCommits = 1
        setup.committer.commit([Self.a: 11])
        #expect(setup.consumer.commitAttempts.count == 2, "an unowned partition's offsets are not even attempted")
        #expect(setup.committer.uncommitted.isEmpty)
    }
}
