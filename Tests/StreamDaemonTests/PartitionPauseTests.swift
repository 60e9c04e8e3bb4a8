import Aggregation
import Avro
import Foundation
import Testing

@testable import DevTools
@testable import KafkaBridge
@testable import StreamDaemon

/// Transient faults pause a partition instead of quarantining: a real engine and consumer loop,
/// a fake Kafka consumer, and a real `SchemaRegistryClient` against a local HTTP registry whose
/// fetches the test runs itself (what `SchemaFetchService` does in the daemon).
@Suite("Partition pause on a transient registry fault")
struct PartitionPauseTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway
    /// An id the registry serves with the audit schema, asked for only mid-stream.
    static let newAuditID: Int32 = 11
    /// An id the registry does not know.
    static let missingID: Int32 = 999

    /// `/schemas/ids/{id}` for the demo's audit (1 and `newAuditID`) and gateway schemas.
    static func registry() throws -> TinyHTTPServer {
        func body(_ schema: String) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: ["schema": schema]), as: UTF8.self)
        }
        return try TinyHTTPServer(routes: [
            "/schemas/ids/\(DemoMonthGenerator.auditSchemaID)": try body(DemoAssets.auditSchema),
            "/schemas/ids/\(newAuditID)": try body(DemoAssets.auditSchema),
            "/schemas/ids/\(DemoMonthGenerator.gatewaySchemaID)": try body(DemoAssets.gatewaySchema),
        ])
    }

    /// `message` with its frame's schema id replaced by `id`.
    static func withSchemaID(_ message: FakePartitionConsumer.Message, _ id: Int32) -> FakePartitionConsumer.Message {
        var changed = message
        let bits = UInt32(bitPattern: id)
        for i in 0..<4 { changed.value[1 + i] = UInt8(truncatingIfNeeded: bits >> (24 - 8 * i)) }
        return changed
    }

    /// 300 audit and 200 gateway messages; the audit ones from offset 150 on carry schema `id`.
    static func messages(auditFrom150 id: Int32) throws -> [FakePartitionConsumer.Message] {
        try EngineFixture.messages(audit: 300, gateway: 200).map { m in
            m.key == audit && m.offset >= 150 ? withSchemaID(m, id) : m
        }
    }

    /// An engine and loop on a registry client whose known schemas (1 and 3) are fetched.
    static func setUp(_ fixture: EngineFixture, server: TinyHTTPServer) throws -> (
        SchemaRegistryClient, BillingEngine, ConsumerLoop, FakePartitionConsumer
    ) {
        let client = SchemaRegistryClient(url: server.url(""), timeoutSeconds: 5)
        for id in [DemoMonthGenerator.auditSchemaID, DemoMonthGenerator.gatewaySchemaID] {
            #expect(client.fetch(id: id) == nil)
        }
        let engine = try fixture.makeEngine(schemas: client)
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        return (client, engine, loop, consumer)
    }

    /// Records and quarantined messages of `messages` counted with local schemas (no registry).
    static func reference(_ messages: [FakePartitionConsumer.Message]) throws -> (records: Int64, quarantined: Int64) {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.events = [.assign([audit, gateway]), .messages(messages)]
        try loop.step(now: .now)
        try loop.step(now: .now)
        let merged = try engine.mergedState()
        return (merged.records, merged.quarantined)
    }

    @Test(
        "a registry outage pauses exactly the partition needing the new schema at that offset, quarantines nothing, and it resumes there once the schema is fetched"
    )
    func outagePausesAndResumes() throws {
        let server = try Self.registry()
        defer { server.stop() }
        let fixture = try EngineFixture()
        let (client, engine, loop, consumer) = try Self.setUp(fixture, server: server)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let all = try Self.messages(auditFrom150: Self.newAuditID)
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(all)]
        server.outage = 503
        try loop.step(now: t0)
        try loop.step(now: t0)

        // Audit stopped before offset 150, gateway went on; nothing quarantined.
        #expect(engine.progress.map(\.nextOffset) == [150, 200])
        #expect(engine.pause(of: Self.audit) == PartitionPause(offset: 150, reason: .schemaRegistry, schemaID: 11))
        #expect(engine.pause(of: Self.gateway) == nil)
        #expect(consumer.paused == [Self.audit])
        #expect(consumer.flowLog == ["pause aura.audit/0", "seek aura.audit/0@150"])
        #expect(try engine.mergedState().quarantined == 0)
        #expect(client.pendingIDs == [Self.newAuditID])
        let reasons = fixture.status.notReadyReasons()
        #expect(reasons.contains("partitions paused: aura.audit/0@150: schema-registry (schema id 11)"), "\(reasons)")
        let metrics = String(decoding: fixture.metrics.render(), as: UTF8.self)
        #expect(metrics.contains(#"aura_partitions_paused{reason="schema-registry"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"aura_partition_pauses_total{reason="schema-registry"} 1"#))

        // The registry still fails: messages fetched before the pause are ignored, no resume.
        #expect(client.fetchPending()?.contains("HTTP 503") == true)
        consumer.events = [.messages(all.filter { $0.key == Self.audit && $0.offset >= 150 })]
        try loop.step(now: t0 + .seconds(1))
        #expect(engine.progress.map(\.nextOffset) == [150, 200])
        #expect(consumer.paused == [Self.audit])

        // The registry is back: the schema is fetched, the partition resumes at 150.
        server.outage = nil
        #expect(client.fetchPending() == nil)
        try loop.step(now: t0 + .seconds(10))
        #expect(consumer.paused.isEmpty)
        #expect(Array(consumer.flowLog.suffix(2)) == ["seek aura.audit/0@150", "resume aura.audit/0"])
        #expect(fixture.status.snapshot.paused.isEmpty)
        consumer.events = [.messages(all.filter { $0.key == Self.audit && $0.offset >= 150 })]
        try loop.step(now: t0 + .seconds(11))
        #expect(engine.progress.map(\.nextOffset) == [300, 200])
        let merged = try engine.mergedState()
        let expected = try Self.reference(try EngineFixture.messages(audit: 300, gateway: 200))
        #expect(merged.records == expected.records && merged.quarantined == expected.quarantined)
        #expect(
            String(decoding: fixture.metrics.render(), as: UTF8.self).contains(
                #"aura_partitions_paused{reason="schema-registry"} 0"#))
    }

    @Test("a schema id the registry answers 404 for is quarantined as unknown-schema-id, after a pause, not before")
    func notFoundIsQuarantined() throws {
        let server = try Self.registry()
        defer { server.stop() }
        let fixture = try EngineFixture()
        let (client, engine, loop, consumer) = try Self.setUp(fixture, server: server)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        // Two unknown ids in one batch: both are asked for in the same round, one pause.
        let all = try EngineFixture.messages(audit: 300, gateway: 0).map { m in
            m.offset == 150 ? Self.withSchemaID(m, Self.missingID) : m.offset == 160 ? Self.withSchemaID(m, 998) : m
        }
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(all)]
        try loop.step(now: t0)
        try loop.step(now: t0)
        #expect(engine.pause(of: Self.audit)?.offset == 150)
        #expect(try engine.mergedState().records + engine.mergedState().quarantined == 150)
        #expect(client.pendingIDs == [998, Self.missingID])

        #expect(client.fetchPending() == nil, "a 404 with no registry failure before it is definitive")
        try loop.step(now: t0 + .seconds(1))
        #expect(engine.pause(of: Self.audit) == nil)
        consumer.events = [.messages(all.filter { $0.offset >= 150 })]
        try loop.step(now: t0 + .seconds(2))
        #expect(engine.progress.first?.nextOffset == 300)
        let merged = try engine.mergedState()
        #expect(merged.records + merged.quarantined == 300)
        try engine.checkpoint()
        let file = try String(contentsOfFile: fixture.directory + "/quarantine.jsonl", encoding: .utf8)
        for offset in [150, 160] {
            let lines = file.split(separator: "\n").filter { $0.contains(#""offset":\#(offset),"#) }
            #expect(lines.count == 1)
            #expect(lines.first?.contains(#""reason":"unknown-schema-id""#) == true)
        }
        #expect(
            String(decoding: fixture.metrics.render(), as: UTF8.self).contains(
                #"aura_partition_pauses_total{reason="schema-registry"} 1"#))
    }

    @Test(
        "an unwritable quarantine never stops the loop: nothing is committed, /readyz says so, and a backlog over the bound pauses every partition",
        .enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full"), "needs /dev/full"))
    func quarantineUnwritable() throws {
        let fixture = try EngineFixture()
        // Every write to /dev/full fails with ENOSPC: a full disk.
        let engine = try fixture.makeEngine(checkpointEveryEvents: 100, quarantinePath: "/dev/full")
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0, quarantineBacklogLimit: 1)
        let (first, second) = try ConsumerLoopTests.batches()
        let bad = first.map { m in
            guard m.key == Self.audit, m.offset == 10 else { return m }
            var broken = m
            broken.value[0] = 7  // wrong magic: bad input, quarantined
            return broken
        }
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(bad), .messages(second)]
        try loop.step(now: t0)
        try loop.step(now: t0)

        let status = fixture.status.snapshot
        #expect(!status.quarantineWritable)
        #expect(engine.quarantine.pendingBytes > 1, "the records wait in memory")
        #expect(consumer.commitAttempts.isEmpty)
        #expect(loop.schedule.retryAt == t0 + .seconds(60))
        #expect(
            engine.paused.map(\.pause) == [
                PartitionPause(offset: 300, reason: .quarantineUnwritable),
                PartitionPause(offset: 200, reason: .quarantineUnwritable),
            ])
        #expect(consumer.paused == [Self.audit, Self.gateway])
        let reasons = fixture.status.notReadyReasons()
        #expect(reasons.contains("quarantine file not writable (offsets not committed)"), "\(reasons)")
        #expect(
            reasons.contains(
                "partitions paused: aura.audit/0@300: quarantine-unwritable, aura.gateway/0@200: quarantine-unwritable"),
            "\(reasons)")
        #expect(
            String(decoding: fixture.metrics.render(), as: UTF8.self).contains(
                #"aura_partitions_paused{reason="quarantine-unwritable"} 2"#))

        // Messages still arriving while paused are not handled; the loop goes on.
        try loop.step(now: t0 + .seconds(1))
        #expect(engine.progress.map(\.nextOffset) == [300, 200])
        #expect(consumer.paused == [Self.audit, Self.gateway])

        // Stopping with the quarantine still unwritable: no error, nothing committed, group left.
        try loop.checkpointCommitAndLeaveGroup()
        #expect(consumer.closed)
        #expect(consumer.groupOffsets.isEmpty)
    }

    @Test(
        "a revoked paused partition loses its pause, and re-assigned it starts from its checkpoint at the pause offset")
    func revokeDropsPause() throws {
        let server = try Self.registry()
        defer { server.stop() }
        let fixture = try EngineFixture()
        let (_, engine, loop, consumer) = try Self.setUp(fixture, server: server)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        server.outage = 503
        consumer.events = [
            .assign([Self.audit, Self.gateway]), .messages(try Self.messages(auditFrom150: Self.newAuditID)),
            .revoke([Self.audit]), .assign([Self.audit]),
        ]
        try loop.step(now: t0)
        try loop.step(now: t0)
        #expect(engine.pause(of: Self.audit)?.offset == 150)
        try loop.step(now: t0 + .milliseconds(1))  // revoke
        #expect(consumer.flowLog.last == "resume aura.audit/0")
        #expect(engine.pause(of: Self.audit) == nil && engine.paused.isEmpty)
        #expect(fixture.status.snapshot.paused.isEmpty)
        #expect(loop.pauseChecks.isEmpty)
        #expect(try fixture.checkpointedNextOffset(Self.audit) == 150)
        try loop.step(now: t0 + .milliseconds(2))  // assigned again
        #expect(consumer.starts.last?[Self.audit]?.rawValue == 150)
        #expect(engine.pause(of: Self.audit) == nil)
    }

    @Test("unknown schema ids are remembered up to a bound, oldest out, and answered without a request meanwhile")
    func unknownIDsBounded() throws {
        let server = try TinyHTTPServer(routes: [String: String]())
        defer { server.stop() }
        let client = SchemaRegistryClient(url: server.url(""), timeoutSeconds: 5, maxUnknownIDs: 50)
        for id in Int32(1000)..<1200 {
            #expect(throws: AvroError.self) { try client.schema(id: id) }
            #expect(client.fetch(id: id) == nil)
        }
        #expect(client.unknownCount == 50)
        #expect(client.pendingIDs.isEmpty)
        let requests = server.received.count
        #expect(requests == 200)
        let newest = try #require(throws: AvroError.self) { try client.schema(id: 1199) }
        #expect(newest.code == .unknownSchemaID)
        let evicted = try #require(throws: AvroError.self) { try client.schema(id: 1000) }
        #expect(evicted.code == .schemaPending, "the oldest id was forgotten and is asked again")
        #expect(server.received.count == requests, "lookups never request")
    }

    @Test("the frame decoder's memory of unresolvable schema ids is bounded")
    func decoderFailuresBounded() throws {
        let incompatible = try AvroSchema.parse(json: #""string""#, source: "test")
        let count = FrameDecoder.maxFailures + 500
        let source = LocalSchemaFiles(
            schemas: Dictionary(uniqueKeysWithValues: (0..<Int32(count)).map { ($0, incompatible) }))
        let reader = try AvroSchema.parse(json: DemoAssets.auditSchema, source: "audit")
        let decoder = FrameDecoder(reader: reader, fields: AuditEventExtractor.fields, schemas: source)
        for id in 0..<Int32(count) {
            #expect(throws: AvroError.self) { try decoder.decoder(schemaID: id) }
        }
        #expect(decoder.failureCount > 0 && decoder.failureCount <= FrameDecoder.maxFailures)
    }
}
