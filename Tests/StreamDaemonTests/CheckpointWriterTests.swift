import Aggregation
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// The checkpoint writer thread: consumption goes on while a checkpoint is written, the file
/// holds exactly the snapshot taken when the checkpoint started, and failures come back.
@Suite("Checkpoint writer")
struct CheckpointWriterTests {
    static let key = PartitionKey(topic: "aura.audit", partition: 3)

    /// Ingests audit events `range` (one per offset) into `state`.
    static func ingest(_ state: inout PartitionState, source: Int, _ range: Range<Int>) throws {
        for i in range {
            let interaction = Array("interaction-\(i / 2)".utf8)  // every second event is a duplicate key pair
            let component = Array("COMP\(i % 2)".utf8)
            let ob = Array("ESP".utf8)
            let app = Array("app-\(i % 3)".utf8)
            // 2026-10-01T00:00:00Z plus one minute per event.
            let timeMs = Int64(1_790_812_800_000) + Int64(i) * 60_000
            _ = try interaction.withUnsafeBytes { interactionID in
                try component.withUnsafeBytes { componentID in
                    try ob.withUnsafeBytes { obBytes in
                        try app.withUnsafeBytes { appBytes in
                            // The buffers live for this closure only; the event does not escape it.
                            try state.ingest(
                                AuditEvent(
                                    interactionID: interactionID, componentID: componentID, ob: obBytes,
                                    app: appBytes, service: 0, timeMs: timeMs), source: source)
                        }
                    }
                }
            }
            state.markConsumed(source: source, offset: Int64(i))
        }
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("consumption goes on while a checkpoint is written, and the file holds the state as it was encoded")
    func consumptionContinuesDuringWrite() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        var state = PartitionState(zones: zones)
        let source = state.source(PartitionKey(topic: Self.key.topic, partition: Self.key.partition))
        try Self.ingest(&state, source: source, 0..<2_000)
        let expected = state.snapshot()

        // The after-save hook holds the writer thread until the test lets it go.
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let hooked = Mutex<[(PartitionKey, UInt64, Int64)]>([])
        let writer = CheckpointWriter(
            afterSave: { key, _, generation, next in
                hooked.withLock { $0.append((key, generation, next)) }
                entered.signal()
                release.wait()
            }, metrics: DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway"))
        defer { writer.shutdown() }

        let store = CheckpointStore(directory: dir, name: "aura.audit-3")
        writer.submit(
            .init(
                jobs: [.init(key: Self.key, checkpoint: store.encode(&state), store: store, nextOffset: 2_000)],
                quarantine: QuarantineDurability(file: nil)))
        entered.wait()  // the checkpoint is durable on disk and the writer is inside the hook
        #expect(writer.busy)
        #expect(writer.takeCompleted().isEmpty, "offsets must not be committable before the hook returns")

        // Meanwhile the consumer thread keeps ingesting into the live state.
        try Self.ingest(&state, source: source, 2_000..<5_000)
        #expect(state.snapshot().records > expected.records)

        release.signal()
        let completions = writer.drain()
        #expect(!writer.busy)
        #expect(completions.count == 1)
        #expect(completions.first?.error == nil)
        #expect(completions.first?.durable == [Self.key: 2_000])
        #expect(hooked.withLock { $0.map(\.0) } == [Self.key])
        #expect(hooked.withLock { $0.map(\.2) } == [2_000])

        // The file holds the state as encoded, not the state that went on changing.
        let loaded = try store.load(zones: zones)
        #expect(loaded.generation == hooked.withLock { $0.first?.1 })
        #expect(loaded.state.snapshot() == expected)
        #expect(loaded.state.partitions[source].nextOffset == 2_000)
    }

    @Test("a synchronous write waits for the batch in flight, so generations follow encoding order")
    func synchronousWriteAfterInFlight() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        var state = PartitionState(zones: zones)
        let source = state.source(PartitionKey(topic: Self.key.topic, partition: Self.key.partition))
        let writer = CheckpointWriter(metrics: DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway"))
        defer { writer.shutdown() }
        let store = CheckpointStore(directory: dir, name: "aura.audit-3")
        let none = QuarantineDurability(file: nil)

        try Self.ingest(&state, source: source, 0..<500)
        writer.submit(
            .init(
                jobs: [.init(key: Self.key, checkpoint: store.encode(&state), store: store, nextOffset: 500)],
                quarantine: none))
        try Self.ingest(&state, source: source, 500..<900)
        let earlier = writer.drain()
        let last = writer.write(
            .init(
                jobs: [.init(key: Self.key, checkpoint: store.encode(&state), store: store, nextOffset: 900)],
                quarantine: none))

        #expect(earlier.map(\.durable) == [[Self.key: 500]])
        #expect(last.error == nil && last.durable == [Self.key: 900])
        let loaded = try store.load(zones: zones)
        #expect(loaded.state.snapshot() == state.snapshot())
        // The second checkpoint is a delta appended to the first one's log, after it.
        #expect(store.generations().count == 1)
        #expect(loaded.deltas == 1)
    }

    @Test("a checkpoint that cannot be written reports the partitions to write again and no offsets")
    func failureIsReported() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A regular file where the state directory should be: mkdir and open fail.
        let blocked = dir + "/not-a-dir"
        #expect(FileManager.default.createFile(atPath: blocked, contents: Data("x".utf8)))
        let zones = try OBTimeZones(["ESP": "Europe/Madrid"])
        var state = PartitionState(zones: zones)
        let source = state.source(PartitionKey(topic: Self.key.topic, partition: Self.key.partition))
        try Self.ingest(&state, source: source, 0..<10)
        let writer = CheckpointWriter(metrics: DaemonMetrics(auditTopic: "aura.audit", gatewayTopic: "aura.gateway"))
        defer { writer.shutdown() }
        let other = PartitionKey(topic: "aura.audit", partition: 4)
        let blockedStore = CheckpointStore(directory: blocked + "/state", name: "aura.audit-3")
        let otherStore = CheckpointStore(directory: dir, name: "aura.audit-4")
        var copy = state
        writer.submit(
            .init(
                jobs: [
                    .init(key: Self.key, checkpoint: blockedStore.encode(&state), store: blockedStore, nextOffset: 10),
                    .init(key: other, checkpoint: otherStore.encode(&copy), store: otherStore, nextOffset: 10),
                ], quarantine: QuarantineDurability(file: nil)))
        let done = writer.drain()
        #expect(done.count == 1)
        #expect(done.first?.error != nil)
        #expect(done.first?.durable.isEmpty == true)
        #expect(done.first?.failed == [Self.key, other])
    }
}
