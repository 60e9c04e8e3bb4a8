import Testing

@testable import Aggregation

/// Owns the bytes of test events for as long as batched events borrow them.
final class ByteArena {
    private var blocks: [UnsafeMutableRawBufferPointer] = []

    /// A copy of `string`'s UTF-8 that stays valid until the arena is deallocated.
    func bytes(_ string: String) -> UnsafeRawBufferPointer {
        let utf8 = Array(string.utf8)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, utf8.count), alignment: 8)
        utf8.withUnsafeBytes { block.copyMemory(from: $0) }
        blocks.append(block)
        return UnsafeRawBufferPointer(rebasing: block[0..<utf8.count])
    }

    deinit {
        for block in blocks { block.deallocate() }
    }
}

@Suite("PartitionState batched ingest")
struct BatchIngestTests {
    /// The property-test events plus events that cannot be placed (an OB without a zone, a time
    /// outside the calendar window), which must fail alone without disturbing their batch.
    static func input(seed: UInt64) -> [TestEvent] {
        var events = MergePropertyTests.events(seed: seed, count: 700)
        var rng = SplitMix64(seed: seed &* 31)
        for i in 0..<6 {
            let at = Int.random(in: 0..<events.count, using: &rng)
            let bad: TestEvent =
                i % 2 == 0
                ? .audit(
                    TestAudit(
                        id: "bad\(i)", component: "c0", ob: "XXX", app: nil, service: 0, timeMs: 1_790_899_200_000))
                : .gateway(TestGateway(id: "bad\(i)", ob: "ESP", app: nil, nlp: false, timeMs: Int64.max / 2))
            events.insert(bad, at: at)
        }
        return events
    }

    @Test(
        "batches of any size count exactly what single ingests count, outcome by outcome",
        arguments: Array(UInt64(1)...UInt64(12)))
    func batchEqualsSingle(seed: UInt64) throws {
        let events = Self.input(seed: seed)
        let closeAt = events.count / 2  // a period closes mid-stream: lateness must follow it
        var single = MergePropertyTests.fresh()
        var expected: [Result<PartitionState.Outcome, AggregationError>] = []
        for (i, e) in events.enumerated() {
            if i == closeAt { single.markClosed(ob: "BRA", period: Period(year: 2026, month: 10)) }
            do {
                expected.append(.success(try single.ingest(e)))
            } catch let error as AggregationError {
                expected.append(.failure(error))
            }
        }
        #expect(expected.contains { if case .failure = $0 { true } else { false } })
        #expect(expected.contains { (try? $0.get()) == .late })
        #expect(expected.contains { (try? $0.get()) == .duplicate })

        let arena = ByteArena()
        var batched = MergePropertyTests.fresh()
        var actual: [Result<PartitionState.Outcome, AggregationError>] = []
        var outcomes: [Result<PartitionState.Outcome, AggregationError>] = []
        var rng = SplitMix64(seed: seed &* 101)
        var i = 0
        while i < events.count {
            if i == closeAt { batched.markClosed(ob: "BRA", period: Period(year: 2026, month: 10)) }
            // A run of one kind, up to 100 events (longer than the prefetch distance), not across `closeAt`.
            let limit = min(i + Int.random(in: 1...100, using: &rng), i < closeAt ? closeAt : events.count)
            var audits: [AuditEvent] = []
            var gateways: [GatewayEvent] = []
            var j = i
            while j < limit {
                switch events[j] {
                case .audit(let a) where gateways.isEmpty:
                    audits.append(
                        AuditEvent(
                            interactionID: arena.bytes(a.id), componentID: arena.bytes(a.component),
                            ob: arena.bytes(a.ob), app: a.app.map { arena.bytes($0) },
                            service: a.service, timeMs: a.timeMs))
                case .gateway(let g) where audits.isEmpty:
                    gateways.append(
                        GatewayEvent(
                            messageID: arena.bytes(g.id), ob: arena.bytes(g.ob),
                            app: g.app.map { arena.bytes($0) }, nlp: g.nlp, timeMs: g.timeMs))
                default:
                    break
                }
                if audits.count + gateways.count == j - i { break }  // the kind changed
                j += 1
            }
            if audits.isEmpty {
                batched.ingest(gateways, source: 0, outcomes: &outcomes)
                #expect(outcomes.count == gateways.count)
            } else {
                batched.ingest(audits, source: 0, outcomes: &outcomes)
                #expect(outcomes.count == audits.count)
            }
            actual += outcomes
            i = j
        }
        #expect(actual.count == expected.count)
        for (k, (a, e)) in zip(actual, expected).enumerated() {
            switch (a, e) {
            case (.success(let x), .success(let y)): #expect(x == y, "event \(k)")
            case (.failure(let x), .failure(let y)): #expect(x.code == y.code, "event \(k)")
            default: Issue.record("event \(k): batched \(a), single \(e)")
            }
        }
        #expect(batched.snapshot() == single.snapshot())
        #expect((batched.records, batched.duplicates, batched.late) == (single.records, single.duplicates, single.late))
    }
}
