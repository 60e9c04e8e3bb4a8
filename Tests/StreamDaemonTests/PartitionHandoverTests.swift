import Aggregation
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// Rebalance handling with a real engine on a temporary state directory; only the Kafka
/// consumer is fake. The callbacks run inside the poll, as librdkafka runs them.
@Suite("Partition handover on rebalance")
struct PartitionHandoverTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway

    /// Assigns both partitions and ingests 300 audit and 200 gateway messages through the fake.
    static func assignAndIngest(_ loop: ConsumerLoop, _ consumer: FakePartitionConsumer) throws {
        consumer.events = [.assign([audit, gateway]), .messages(try EngineFixture.messages(audit: 300, gateway: 200))]
        try loop.ingestNextBatch()
        try loop.ingestNextBatch()
    }

    @Test("assigned partitions get new states and start at the beginning; messages are counted into them")
    func assignNew() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.events = [.assign([Self.audit, Self.gateway])]
        try loop.ingestNextBatch()
        #expect(consumer.starts == [[Self.audit: .beginning, Self.gateway: .beginning]])
        #expect(engine.assigned == [Self.audit, Self.gateway])
        #expect(fixture.status.snapshot.assigned == [Self.audit, Self.gateway])
        #expect(fixture.status.snapshot.stateLoaded)

        consumer.events = [.messages(try EngineFixture.messages(audit: 300, gateway: 200))]
        try loop.ingestNextBatch()
        #expect(engine.progress.map(\.nextOffset) == [300, 200])
        #expect(engine.slots.allSatisfy { $0.state.records > 0 })
        #expect(try fixture.checkpointFiles(Self.audit).isEmpty, "nothing is written before a checkpoint is due")
    }

    @Test("revoked partitions are checkpointed, their offsets committed, and dropped")
    func revoke() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        try Self.assignAndIngest(loop, consumer)
        consumer.events = [.revoke([Self.audit, Self.gateway])]
        try loop.ingestNextBatch()
        #expect(try fixture.checkpointedNextOffset(Self.audit) == 300)
        #expect(try fixture.checkpointedNextOffset(Self.gateway) == 200)
        #expect(consumer.groupOffsets == [Self.audit: 300, Self.gateway: 200])
        #expect(engine.assigned.isEmpty)
        #expect(fixture.status.snapshot.assigned.isEmpty)
        try loop.handover.rethrowFailure()
    }

    @Test("a partition taken over again resumes from its checkpoint at the committed offset, with its counts")
    func reassign() throws {
        let fixture = try EngineFixture()
        let first = try fixture.makeEngine()
        let (loop, consumer) = try fixture.makeLoop(engine: first, start: .now)
        try Self.assignAndIngest(loop, consumer)
        let records = first.slots.map(\.state.records)
        consumer.events = [.revoke([Self.audit, Self.gateway])]
        try loop.ingestNextBatch()
        first.shutdown()

        let second = try fixture.makeEngine()
        defer { second.shutdown() }
        let (again, member) = try fixture.makeLoop(engine: second, start: .now)
        member.groupOffsets = consumer.groupOffsets
        member.events = [.assign([Self.audit, Self.gateway])]
        try again.ingestNextBatch()
        #expect(member.starts == [[Self.audit: .at(300), Self.gateway: .at(200)]])
        #expect(second.slots.map(\.state.records) == records)
    }

    @Test("a partition with a committed offset but no checkpoint is refused, and the loop stops with that error")
    func refuseWithoutCheckpoint() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.groupOffsets = [Self.audit: 50]
        consumer.events = [.assign([Self.audit])]
        try loop.step(now: nil)  // the callback cannot throw: the failure is kept
        #expect(consumer.starts == [[:]])
        #expect(engine.assigned.isEmpty)
        #expect {
            try loop.step(now: nil)
        } throws: { error in
            (error as? AggregationError)?.code == .refuseToStart
        }
    }

    @Test("a commit that fails on revoke is tolerated: the checkpoint holds the offsets")
    func revokeCommitFails() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        try Self.assignAndIngest(loop, consumer)
        consumer.failingCommits = 1
        consumer.events = [.revoke([Self.audit, Self.gateway])]
        try loop.ingestNextBatch()
        #expect(consumer.commitAttempts == [[Self.audit: 300, Self.gateway: 200]])
        #expect(consumer.groupOffsets.isEmpty)
        #expect(try fixture.checkpointedNextOffset(Self.audit) == 300)
        #expect(engine.assigned.isEmpty)
        try loop.handover.rethrowFailure()
    }
}
