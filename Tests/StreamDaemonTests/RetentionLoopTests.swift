import Aggregation
import Foundation
import Testing

@testable import DevTools
@testable import StreamDaemon

/// `periods.late_horizon_days` in the consumer loop: a real engine, checkpoints and quarantine on
/// a temporary directory, a fake consumer, time passed in.
@Suite("Consumer loop: the late horizon")
struct RetentionLoopTests {
    static let audit = EngineFixture.audit
    static let gateway = EngineFixture.gateway
    static let horizonMs: Int64 = 35 * 86_400_000

    @Test("a closed month's keys leave the state and its checkpoint once December's events pass the horizon")
    func expiryInTheLoop() throws {
        let fixture = try EngineFixture()
        let engine = try fixture.makeEngine(lateHorizonMs: Self.horizonMs)
        defer { engine.shutdown() }
        let t0 = ContinuousClock.now
        let (loop, consumer) = try fixture.makeLoop(engine: engine, start: t0)
        let october = try EngineFixture.messages(audit: 500, gateway: 300)
        let next = { (messages: [FakePartitionConsumer.Message]) in
            [
                Self.audit: messages.filter { $0.key == Self.audit }.count,
                Self.gateway: messages.filter { $0.key == Self.gateway }.count,
            ]
            .mapValues(Int64.init)
        }
        let december = try EngineFixture.messages(
            audit: 500, gateway: 300, seed: 17, month: "2026-12", from: next(october))
        consumer.events = [.assign([Self.audit, Self.gateway]), .messages(october)]
        try loop.step(now: t0)
        try loop.step(now: t0)
        for ob in DemoCatalogue.operatingBusinesses {
            engine.markClosed(ob: ob.code, period: Period(year: 2026, month: 10))
        }
        let octoberKeys = engine.slots.map(\.state.dedup.count)
        consumer.events = [.messages(december)]
        try loop.step(now: t0 + .milliseconds(1))
        let before = engine.slots.map(\.state.dedup.count)
        let rowsBefore = engine.slots.map { $0.state.allAuditUsage() }

        // Close journals of October: a done one has no use once October retires, an unfinished
        // one is left for the operator.
        let codes = DemoCatalogue.operatingBusinesses.map(\.code)
        for (i, code) in codes.prefix(2).enumerated() {
            try CloseJournal(ob: code, period: "2026-10", closedAtMs: 1, forced: false, offsets: [], done: i == 0)
                .save(stateDir: fixture.stateDir)
        }
        try CloseJournal(ob: codes[0], period: "2026-12", closedAtMs: 1, forced: false, offsets: [], done: true)
            .save(stateDir: fixture.stateDir)

        try loop.step(now: t0 + .seconds(3))  // the 2 s housekeeping tick runs the expiry
        let journals = try CloseJournal.all(stateDir: fixture.stateDir).map { "\($0.ob) \($0.period)" }
        #expect(journals == ["\(codes[1]) 2026-10", "\(codes[0]) 2026-12"].sorted())
        let after = engine.slots.map(\.state.dedup.count)
        #expect(zip(before, after).allSatisfy { $0 > $1 }, "\(before) → \(after)")
        #expect(zip(zip(before, after), octoberKeys).allSatisfy { $0.0 - $0.1 <= $1 })
        // October's rows are compacted away, the later ones stay as they were.
        let octoberPeriod = Period(year: 2026, month: 10)
        #expect(
            engine.slots.map { $0.state.allAuditUsage() }
                == rowsBefore.map { rows in rows.filter { $0.period != octoberPeriod } })
        #expect(engine.slots.allSatisfy { $0.state.stats.allSatisfy { $0.period != octoberPeriod.rawValue } })
        let rowsAfter = engine.slots.map { $0.state.allAuditUsage() }
        let rendered = String(decoding: fixture.metrics.render(), as: UTF8.self)
        let dropped = zip(before, after).map { $0 - $1 }.reduce(0, +)
        #expect(rendered.contains("aura_dedup_keys_expired_total \(dropped)\n"))

        // The checkpoint shrinks too.
        try engine.checkpoint()
        let store = CheckpointStore(
            directory: fixture.stateDir, name: PartitionSlot.checkpointName(Self.audit), logger: fixture.logger)
        #expect(try store.load(zones: try EngineFixture.zones()).state.dedup.count == after[0])

        // October again, as a producer replaying history would send it: nothing of October is
        // counted again; its events are quarantined as beyond the horizon.
        let replayed = try EngineFixture.messages(
            audit: 500, gateway: 300, from: next(october + december).mapValues { $0 })
        consumer.events = [.messages(replayed)]
        try loop.step(now: t0 + .seconds(4))
        #expect(engine.slots.map { $0.state.allAuditUsage() } == rowsAfter)
        try engine.checkpoint()
        let lines = try String(contentsOfFile: fixture.directory + "/quarantine.jsonl", encoding: .utf8)
            .split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.contains(#""reason":"beyond-late-horizon""#) })
    }
}
