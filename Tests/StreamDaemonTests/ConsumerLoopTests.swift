import Aggregation
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// The consumer loop's checkpoint and commit steps with a real engine and checkpoint writer on a
/// temporary state directory and a fake Kafka consumer. Time is passed in, so the 2 s tick and
/// the checkpoint back-off are exercised without waiting.
@Suite("Consumer loop: checkpoints and commits")
struct ConsumerLoopTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway

    /// Messages of the two partitions below (`first`) and from (`second`) 300 audit / 200 gateway.
    static func batches() throws -> (first: [FakePartitionConsumer.Message], second: [FakePartitionConsumer.Message]) {
        let all = try EngineFixture.messages(audit: 600, gateway: 400)
        let split = { (m: FakePartitionConsumer.Message) in m.offset < (m.key == audit ? 300 : 200) }
        return (all.filter(split), all.filter { !split($0) })
    }

    @Test("offsets are committed only once the checkpoint holding them is durable, not the live offsets")
    func commitGating() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine(checkpointEveryEvents: 100)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0)
        let (first, second) = try Self.batches()
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(first), .messages(second)]
        try loop.step(now: t0)  // assign
        try loop.step(now: t0)  // first batch; a checkpoint starts
        #expect(engine.eventsSinceCheckpoint == 0)
        #expect(consumer.commitAttempts.isEmpty)
        engine.writer.waitUntilWritten()
        // The first checkpoint is on disk; the next one starts only in the step below (whose
        // writer may finish at any time after it, so the file is read here).
        #expect(try fixture.checkpointedNextOffset(Self.audit) == 300)
        try loop.step(now: t0 + .milliseconds(1))  // second batch, then the first checkpoint is collected
        #expect(engine.progress.map(\.nextOffset) == [600, 400])
        #expect(consumer.commitAttempts == [[Self.audit: 300, Self.gateway: 200]])
        engine.writer.waitUntilWritten()  // the second checkpoint, started by the same step
        try loop.step(now: t0 + .milliseconds(2))
        #expect(consumer.groupOffsets == [Self.audit: 600, Self.gateway: 400])
        #expect(fixture.status.snapshot.checkpointWritable)
    }

    @Test("a failed checkpoint commits nothing and is retried after one interval, not on the next poll")
    func checkpointBackOff() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine(checkpointEveryEvents: 1, checkpointInterval: .seconds(10))
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0)
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(try Self.batches().first)]
        fixture.failCheckpoints.isOn = true
        try loop.step(now: t0)
        try loop.step(now: t0)
        engine.writer.waitUntilWritten()
        let failedAt = t0 + .milliseconds(1)
        try loop.step(now: failedAt)
        #expect(!fixture.status.snapshot.checkpointWritable)
        #expect(consumer.commitAttempts.isEmpty)
        #expect(loop.schedule.retryAt == failedAt + .seconds(10))
        // The failed partitions are due again at once (one event), yet nothing starts.
        #expect(engine.eventsSinceCheckpoint == 1)
        try loop.step(now: failedAt + .seconds(9))
        #expect(engine.eventsSinceCheckpoint == 1, "no retry before one interval")

        fixture.failCheckpoints.isOn = false
        try loop.step(now: failedAt + .seconds(10))
        #expect(engine.eventsSinceCheckpoint == 0, "the retry started")
        engine.writer.waitUntilWritten()
        try loop.step(now: failedAt + .seconds(10) + .milliseconds(1))
        #expect(consumer.groupOffsets == [Self.audit: 300, Self.gateway: 200])
        #expect(fixture.status.snapshot.checkpointWritable)
        #expect(loop.schedule.retryAt == nil)
    }

    @Test("a failed commit is retried on the next 2-second tick, not on every poll")
    func commitRetriedOnTick() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine(checkpointEveryEvents: 100)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0)
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(try Self.batches().first)]
        consumer.failingCommits = 1
        try loop.step(now: t0)
        try loop.step(now: t0)
        engine.writer.waitUntilWritten()
        try loop.step(now: t0 + .milliseconds(1))
        #expect(consumer.commitAttempts.count == 1)
        #expect(consumer.groupOffsets.isEmpty)
        try loop.step(now: t0 + .seconds(1))
        #expect(consumer.commitAttempts.count == 1, "no retry before the tick")
        try loop.step(now: t0 + .seconds(2))
        #expect(consumer.commitAttempts.count == 2)
        #expect(consumer.groupOffsets == [Self.audit: 300, Self.gateway: 200])
    }

    @Test("stopping checkpoints everything consumed, commits it, and leaves the group")
    func stop() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0)
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(try Self.batches().first)]
        try loop.step(now: t0)
        try loop.step(now: t0)
        #expect(consumer.commitAttempts.isEmpty, "no checkpoint was due")
        try loop.checkpointCommitAndLeaveGroup()
        #expect(fixture.status.snapshot.stopping)
        #expect(consumer.groupOffsets == [Self.audit: 300, Self.gateway: 200])
        #expect(try fixture.checkpointedNextOffset(Self.gateway) == 200)
        #expect(consumer.closed)
        #expect(engine.assigned.isEmpty, "closing ran the revoke callback")
    }
}
