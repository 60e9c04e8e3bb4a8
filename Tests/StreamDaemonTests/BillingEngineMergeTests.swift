import Aggregation
import Foundation
import Logging
import Testing

@testable import StreamDaemon

@Suite("BillingEngine: merged state for close")
struct BillingEngineMergeTests {
    @Test("another instance's partition is merged from its checkpoint; an unreadable one fails the merge naming it")
    func unreadableCheckpointOfAnotherInstanceFailsTheMerge() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        // Partition 5 of the audit topic belongs to another instance sharing the state directory.
        var other = PartitionState(zones: try EngineFixture.zones())
        _ = other.source(PartitionKey(topic: EngineFixture.audit.topic, partition: 5))
        other.markConsumed(source: 0, offset: 41)
        let store = CheckpointStore(
            directory: fixture.stateDir, name: "\(EngineFixture.audit.topic)-5", logger: Logger(label: "test"))
        let saved = try store.save(other)
        #expect(try engine.mergedState().partitions.map(\.nextOffset) == [42])

        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: saved.path))
        let error = #expect(throws: AggregationError.self) { try engine.mergedState() }
        #expect(
            error.map { "\($0)" }?.contains("\(EngineFixture.audit.topic)-5") == true, "\(String(describing: error))")
    }
}
