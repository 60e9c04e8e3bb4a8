import Testing

@testable import Aggregation

/// Merging states built over any split of the input equals one state over all of it.
@Suite("PartitionState merge")
struct MergePropertyTests {
    static let obs = ["ESP", "BRA", "AUS", "NPL", "GBR"]

    /// Random events around month boundaries with duplicates, some re-sent many times.
    static func events(seed: UInt64, count: Int) -> [TestEvent] {
        var rng = SplitMix64(seed: seed)
        let base = try! ms("2026-09-28T00:00:00Z")  // literal known valid
        var originals: [TestEvent] = []
        var out: [TestEvent] = []
        for i in 0..<count {
            if !originals.isEmpty && Int.random(in: 0..<100, using: &rng) < 15 {
                out.append(originals[Int.random(in: 0..<originals.count, using: &rng)])
                continue
            }
            let ob = obs[Int.random(in: 0..<obs.count, using: &rng)]
            let t = base + Int64.random(in: 0..<(40 * 86_400_000), using: &rng)
            let app: String? =
                Int.random(in: 0..<20, using: &rng) == 0 ? nil : "app\(Int.random(in: 0..<4, using: &rng))"
            let e: TestEvent
            if Int.random(in: 0..<3, using: &rng) == 0 {
                e = .gateway(TestGateway(id: "m\(i)", ob: ob, app: app, nlp: Bool.random(using: &rng), timeMs: t))
            } else {
                // (i / 3, i % 3) is unique per original: equal keys only for byte-identical re-sends.
                e = .audit(
                    TestAudit(
                        id: "i\(i / 3)", component: "c\(i % 3 + 3 * Int.random(in: 0..<2, using: &rng))", ob: ob,
                        app: app, service: UInt8.random(in: 0..<4, using: &rng), timeMs: t))
            }
            originals.append(e)
            out.append(e)
        }
        return out
    }

    static func fresh() -> PartitionState {
        var state = PartitionState(zones: testZones)
        _ = state.source(PartitionKey(topic: "audit", partition: 0))
        // Pre-closed periods make lateness independent of arrival order.
        state.markClosed(ob: "ESP", period: Period(year: 2026, month: 9))
        state.markClosed(ob: "AUS", period: Period(year: 2026, month: 9))
        state.markClosed(ob: "AUS", period: Period(year: 2026, month: 10))
        return state
    }

    @Test("any split, merged in any order, equals the single state", arguments: Array(UInt64(1)...UInt64(40)))
    func splitsMerge(seed: UInt64) throws {
        let input = Self.events(seed: seed, count: 600)
        var whole = Self.fresh()
        for (offset, e) in input.enumerated() {
            try whole.ingest(e)
            whole.markConsumed(source: 0, offset: Int64(offset))
        }
        #expect(whole.duplicates > 0)
        #expect(whole.late > 0)

        var rng = SplitMix64(seed: seed &* 7919)
        let parts = Int.random(in: 1...6, using: &rng)
        var states = (0..<parts).map { _ in Self.fresh() }
        for (offset, e) in input.enumerated() {
            let p = Int.random(in: 0..<parts, using: &rng)
            try states[p].ingest(e)
            states[p].markConsumed(source: 0, offset: Int64(offset))
        }
        states.shuffle(using: &rng)
        // Merge as a random binary tree, so merged states also get merged.
        while states.count > 1 {
            let i = Int.random(in: 0..<states.count, using: &rng)
            let right = states.remove(at: i)
            let j = Int.random(in: 0..<states.count, using: &rng)
            try states[j].merge(right)
        }
        let merged = states[0]
        let expected = whole.snapshot()
        let actual = merged.snapshot()
        #expect(actual.audit == expected.audit)
        #expect(actual.gateway == expected.gateway)
        #expect(actual.summaries == expected.summaries)
        #expect(actual.closed == expected.closed)
        #expect(actual.partitions == expected.partitions)
        #expect(
            (actual.records, actual.duplicates, actual.late) == (expected.records, expected.duplicates, expected.late))
        #expect(actual.dedupKeys == expected.dedupKeys)
    }

    @Test("merging a state with a copy of itself counts every key once")
    func selfMerge() throws {
        var state = Self.fresh()
        for e in Self.events(seed: 99, count: 300) { try state.ingest(e) }
        var doubled = state
        try doubled.merge(state)
        let a = state.snapshot()
        let b = doubled.snapshot()
        #expect(b.audit == a.audit)
        #expect(b.gateway == a.gateway)
        #expect(b.dedupKeys == a.dedupKeys)
        #expect(b.records == 2 * a.records)
        #expect(b.duplicates == a.records + a.duplicates)
    }

    @Test("a merge without keys holds none and has the full merge's periods, closed marks and progress")
    func mergeWithoutKeys() throws {
        var a = Self.fresh()
        var b = Self.fresh()
        // Every third event in both states: keys the full merge counts once, the light one twice.
        for (offset, e) in Self.events(seed: 7, count: 600).enumerated() {
            if offset % 3 != 1 { try a.ingest(e) }
            if offset % 3 != 2 { try b.ingest(e) }
            a.markConsumed(source: 0, offset: Int64(offset))
        }
        b.markClosed(ob: "BRA", period: Period(year: 2026, month: 10))
        var full = Self.fresh()
        var light = Self.fresh()
        for state in [a, b] {
            try full.merge(state)
            try light.merge(state, keys: false)
        }
        #expect(light.dedup.count == 0)
        #expect(full.dedup.count > 0)
        #expect(light.periods().map { "\($0.ob) \($0.period)" } == full.periods().map { "\($0.ob) \($0.period)" })
        #expect(light.snapshot().closed == full.snapshot().closed)
        #expect(light.snapshot().partitions == full.snapshot().partitions)
        // The full merge takes the shared events back as duplicates; without keys they stay counted twice.
        #expect(full.duplicates > light.duplicates)
    }

    @Test("states with different zone tables do not merge")
    func incompatible() throws {
        var a = PartitionState(zones: testZones)
        let b = PartitionState(zones: try OBTimeZones(["ESP": "UTC"]))
        #expect(throws: AggregationError.self) { try a.merge(b) }
    }
}
