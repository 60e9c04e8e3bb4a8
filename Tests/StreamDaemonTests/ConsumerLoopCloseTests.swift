import Aggregation
import Foundation
import Invoicing
import Testing

@testable import KafkaBridge
@testable import StreamDaemon

/// Closes through the consumer loop with a real engine, a fake Kafka consumer, the real issuing
/// service and a loopback blob store whose behaviour the test switches: the loop freezes, the
/// background issues, and a stalled or refused delivery never holds up the loop.
@Suite("Consumer loop: closes issue invoices in the background", .serialized)
struct ConsumerLoopCloseTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway

    /// Polls `condition` every 10 ms (stepping the loop) until it holds or `seconds` pass.
    static func poll(_ loop: ConsumerLoop, seconds: Double = 30, until condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            try loop.step(now: nil)
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static func azure(_ server: BlobServer) -> InvoiceDelivery {
        .azureBlob(
            AzureBlobDelivery(
                endpoint: server.endpoint, container: "invoices", credential: .sas("sig=x"), maxAttempts: 1))
    }

    @Test("a close whose delivery is stalled does not stop the loop from ingesting; its report comes once delivered")
    func stalledDeliveryKeepsIngesting() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        let server = try BlobServer()
        defer { server.stop() }
        let issuing = fixture.issuing(delivery: Self.azure(server))
        let worker = Thread { issuing.work() }
        worker.start()
        defer { fixture.invoices.stop() }

        let (first, second) = try ConsumerLoopTests.batches()
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(first)]
        try loop.step(now: nil)
        try loop.step(now: nil)
        fixture.status.update { $0.lagKnown = true }
        server.mode = .stall
        let control = fixture.control
        async let report = control.close(.period("2026-10", ob: nil, force: true))
        // The close is frozen on the loop, then its first upload is held by the blob store.
        #expect(try await Self.poll(loop) { server.held > 0 }, "no upload reached the blob store")
        let pending = fixture.invoices.pendingKeys
        #expect(!pending.isEmpty && pending.allSatisfy { $0.hasSuffix("-2026-10") })
        #expect(fixture.status.snapshot.pendingDeliveries == pending)

        // Meanwhile the loop goes on: the second batch is ingested while the upload is held.
        consumer.events = [.messages(second)]
        try loop.step(now: nil)
        #expect(engine.progress.map(\.nextOffset) == [600, 400])
        #expect(server.held > 0 && server.blobs.isEmpty, "the delivery was not stalled while the loop ingested")

        server.mode = .accept
        let closed = try await report
        #expect(closed.errors.isEmpty, "\(closed.errors)")
        #expect(closed.closed.count == pending.count && closed.closed.allSatisfy { $0.period == "2026-10" })
        #expect(server.blobs.count == 2 * pending.count, "workbook and manifest of each invoice")
        #expect(fixture.invoices.pendingKeys.isEmpty)
        let journals = try CloseJournal.all(stateDir: fixture.stateDir)
        #expect(journals.count == pending.count && journals.allSatisfy(\.done))
    }

    @Test("a refused delivery is reported as an error for its (OB, period), stays queued and is delivered once allowed")
    func refusedDeliveryIsRetried() async throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        let server = try BlobServer()
        defer { server.stop() }
        let queue = fixture.invoices
        let issuing = fixture.issuing(delivery: Self.azure(server))
        let worker = Thread { issuing.work() }
        worker.start()
        defer { queue.stop() }

        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(try ConsumerLoopTests.batches().first)]
        try loop.step(now: nil)
        try loop.step(now: nil)
        fixture.status.update { $0.lagKnown = true }
        server.mode = .refuse
        let control = fixture.control
        async let report = control.close(.period("2026-10", ob: "ESP", force: true))
        #expect(try await Self.poll(loop) { server.refused > 0 })
        let closed = try await report
        let errors = closed.errors
        #expect(errors.count == 1 && errors[0].hasPrefix("ESP 2026-10: ") && errors[0].contains("403"), "\(errors)")
        #expect(closed.closed.isEmpty)
        #expect(queue.pendingKeys == ["ESP-2026-10"], "the failed invoice stays queued")
        #expect(try CloseJournal.load(stateDir: fixture.stateDir, ob: "ESP", period: "2026-10")?.done == false)

        // The store accepts again: the retry (after the 5 s back-off) delivers and marks it done.
        server.mode = .accept
        #expect(try await Self.poll(loop, seconds: 30) { queue.pendingKeys.isEmpty }, "not retried")
        #expect(server.blobs.count == 2)
        #expect(try CloseJournal.load(stateDir: fixture.stateDir, ob: "ESP", period: "2026-10")?.done == true)
    }

    @Test(
        "closes frozen before a restart are queued again once partitions are assigned; a damaged journal is only logged"
    )
    func interruptedClosesResume() throws {
        let fixture = try EngineFixture()
        var frozenKeys: [String] = []
        do {
            // A close frozen whose invoices were never issued (as if killed right after the freeze).
            let engine = try fixture.makeEngine()
            defer { engine.shutdown() }
            let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
            consumer.events = [.assign([Self.audit, Self.gateway]), .messages(try ConsumerLoopTests.batches().first)]
            try loop.step(now: nil)
            try loop.step(now: nil)
            frozenKeys = try loop.closer.close(.period("2026-10", ob: nil, force: true)).jobs.map(\.key).sorted()
            #expect(!frozenKeys.isEmpty)
        }
        #expect(fixture.invoices.pendingKeys.isEmpty, "nothing was queued before the restart")
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: fixture.stateDir + "/closes/FRA-2026-09.json"))

        // The restart: once partitions are assigned, every frozen invoice is queued again.
        let engine = try fixture.makeEngine()
        defer { engine.shutdown() }
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: .now)
        consumer.events = [.assign([Self.audit, Self.gateway])]
        try loop.step(now: nil)
        #expect(fixture.invoices.pendingKeys == frozenKeys)
        #expect(fixture.status.snapshot.pendingDeliveries == frozenKeys)
    }
}
