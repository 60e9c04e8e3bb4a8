import Aggregation
import Invoicing
import Testing

@testable import StreamDaemon

/// The close plan on plain facts: no broker, no files. Times are relative to the instant ESP's
/// October 2026 becomes due (its end in Europe/Madrid plus the grace), so the table states the
/// readiness boundary directly.
@Suite("Close plan: targets, readiness, forcing and offset ranges from plain facts")
struct ClosePlanTests {
    /// One row of the table.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var scope: CloseScope
        /// (OB, period) pairs with events, as `OB YYYY-MM`.
        var events = ["ESP 2026-10"]
        /// One per partition (`audit/0`, `audit/1`, ...): watermark relative to the due instant, nil before any event.
        var watermarks: [Int64?] = [0, 0]
        /// One per partition; missing entries are busy.
        var idle: [Bool] = []
        /// The wall clock relative to the due instant.
        var now: Int64 = 0
        var recorded: [String] = []
        var finished: [String] = []
        var missing: [PartitionKey] = []
        /// Expected targets as `OB YYYY-MM`, with ` forced` when forced.
        var targets: [String]
        var notReady: [String] = []
        var errors: [String] = []

        var testDescription: String { name }
    }

    static let grace: Int64 = 72 * 3_600_000
    static let october = Period(year: 2026, month: 10)

    static let cases: [Case] = [
        Case(name: "ready: every watermark exactly at period end plus grace", scope: .ready, targets: ["ESP 2026-10"]),
        Case(
            name: "not ready: one partition a millisecond short of the grace", scope: .ready, watermarks: [0, -1],
            targets: []),
        Case(
            name: "a named period that is not ready is reported, not closed",
            scope: .period("2026-10", ob: nil, force: false), watermarks: [0, -1], targets: [],
            notReady: ["ESP 2026-10"]),
        Case(
            name: "force closes an unready period and marks it forced",
            scope: .period("2026-10", ob: nil, force: true), watermarks: [0, -1], targets: ["ESP 2026-10 forced"]),
        Case(
            name: "force on a ready period does not mark it forced",
            scope: .period("2026-10", ob: nil, force: true), targets: ["ESP 2026-10"]),
        Case(
            name: "an already closed period is taken again unforced, ready or not",
            scope: .period("2026-10", ob: nil, force: false), watermarks: [-1, -1], recorded: ["ESP 2026-10"],
            finished: ["ESP 2026-10"], targets: ["ESP 2026-10"]),
        Case(
            name: "ready scope skips a finished close", scope: .ready, recorded: ["ESP 2026-10"],
            finished: ["ESP 2026-10"], targets: []),
        Case(
            name: "ready scope finishes a recorded close that is not done, ready or not",
            scope: .ready, watermarks: [-1, -1], recorded: ["ESP 2026-10"], targets: ["ESP 2026-10"]),
        Case(
            name: "an idle partition without events counts as ready by the wall clock",
            scope: .ready, watermarks: [0, nil], idle: [false, true], now: 0, targets: ["ESP 2026-10"]),
        Case(
            name: "an idle partition is not ready before the wall clock reaches the due instant",
            scope: .ready, watermarks: [0, nil], idle: [false, true], now: -1, targets: []),
        Case(
            name: "an idle partition's later watermark counts over an earlier wall clock",
            scope: .ready, watermarks: [0, 5], idle: [false, true], now: -1_000, targets: ["ESP 2026-10"]),
        Case(
            name: "a busy partition without events blocks readiness",
            scope: .ready, watermarks: [0, nil], now: 3_600_000, targets: []),
        Case(name: "no partitions: nothing is ready", scope: .ready, watermarks: [], now: 3_600_000, targets: []),
        Case(
            name: "the OB filter closes only the named OB",
            scope: .period("2026-10", ob: "JPN", force: false), events: ["ESP 2026-10", "JPN 2026-10"],
            targets: ["JPN 2026-10"]),
        Case(
            name: "without an OB filter every OB with events in the period, in OB order",
            scope: .period("2026-10", ob: nil, force: false), events: ["JPN 2026-10", "ESP 2026-09", "ESP 2026-10"],
            targets: ["ESP 2026-10", "JPN 2026-10"]),
        Case(
            name: "ready scope closes the ready periods in OB and period order",
            scope: .ready, events: ["JPN 2026-10", "ESP 2026-11", "ESP 2026-10", "ESP 2026-09"],
            targets: ["ESP 2026-09", "ESP 2026-10", "JPN 2026-10"]),
        Case(
            name: "a period with no events closes nothing and reports nothing",
            scope: .period("2026-08", ob: nil, force: false), targets: []),
        Case(
            name: "a period with no events but a recorded close (another instance's request) is taken",
            scope: .period("2026-08", ob: nil, force: false), recorded: ["JPN 2026-08"], targets: ["JPN 2026-08"]),
        Case(
            name: "an unknown OB has no time zone, so it is never ready",
            scope: .period("2026-10", ob: "XYZ", force: false), targets: [], notReady: ["XYZ 2026-10"]),
        Case(
            name: "an unknown OB can be forced", scope: .period("2026-10", ob: "XYZ", force: true),
            targets: ["XYZ 2026-10 forced"]),
        Case(
            name: "a malformed period is an error and plans nothing",
            scope: .period("2026-13", ob: nil, force: true), targets: [], errors: ["2026-13: not a period (YYYY-MM)"]),
        Case(
            name: "a partition without changelog state blocks readiness and is named",
            scope: .period("2026-10", ob: nil, force: false), missing: [PartitionKey(topic: "audit", partition: 2)],
            targets: [], notReady: ["ESP 2026-10 (no changelog state for audit/2)"]),
        Case(
            name: "a partition without changelog state blocks ready scope too",
            scope: .ready, missing: [PartitionKey(topic: "audit", partition: 2)], targets: []),
        Case(
            name: "recorded scope takes a recorded close without a done note, ready or not",
            scope: .recorded, watermarks: [-1, -1], recorded: ["ESP 2026-10"], targets: ["ESP 2026-10"]),
        Case(
            name: "recorded scope skips a finished close (on one machine every recorded close is finished)",
            scope: .recorded, recorded: ["ESP 2026-10"], finished: ["ESP 2026-10"], targets: []),
        Case(
            name: "recorded scope never starts a close: a ready period without a record is left alone",
            scope: .recorded, targets: []),
        Case(
            name: "recorded scope takes a recorded close with no events (another instance's request), in OB order",
            scope: .recorded, recorded: ["JPN 2026-08", "ESP 2026-10", "ESP 2026-09"], finished: ["ESP 2026-09"],
            targets: ["ESP 2026-10", "JPN 2026-08"]),
        Case(
            name: "recorded scope is not held back by a missing partition state nor reports it not ready",
            scope: .recorded, recorded: ["ESP 2026-10"], missing: [PartitionKey(topic: "audit", partition: 2)],
            targets: ["ESP 2026-10"]),
    ]

    @Test("plans the targets, not-ready pairs and errors of a scope", arguments: cases)
    func plan(_ row: Case) throws {
        let zones = try OBTimeZones(["ESP": "Europe/Madrid", "JPN": "Asia/Tokyo"])
        let due = try #require(zones.calendar(forOB: "ESP")?.end(of: Self.october)) + Self.grace
        let partitions = row.watermarks.enumerated().map { i, watermark in
            ClosePlan.Partition(
                key: PartitionKey(topic: "audit", partition: Int32(i)), watermarkMs: watermark.map { due + $0 },
                nextOffset: 10, idle: i < row.idle.count && row.idle[i])
        }
        let facts = ClosePlan.Facts(
            periods: try row.events.map(Self.key), zones: zones, partitions: partitions, missingStates: row.missing,
            recorded: Set(try row.recorded.map(Self.key)), finished: Set(try row.finished.map(Self.key)),
            graceMs: Self.grace, nowMs: due + row.now)
        let plan = ClosePlan(scope: row.scope, facts: facts)
        #expect(plan.targets.map { "\($0.ob) \($0.period)\($0.forced ? " forced" : "")" } == row.targets)
        #expect(plan.notReady.map(\.description) == row.notReady)
        #expect(plan.errors == row.errors)
    }

    @Test("offset ranges run from 0 to next offset − 1 per partition that consumed, by topic then partition number")
    func offsets() throws {
        func partition(_ topic: String, _ number: Int32, next: Int64?) -> ClosePlan.Partition {
            ClosePlan.Partition(
                key: PartitionKey(topic: topic, partition: number), watermarkMs: nil, nextOffset: next, idle: true)
        }
        let facts = ClosePlan.Facts(
            periods: [], zones: try OBTimeZones([:]),
            partitions: [
                partition("gateway", 0, next: 10), partition("audit", 10, next: 1), partition("audit", 1, next: -1),
                partition("audit", 0, next: 5), partition("audit", 2, next: nil),
            ],
            recorded: [], finished: [], graceMs: Self.grace, nowMs: 0)
        let plan = ClosePlan(scope: .ready, facts: facts)
        #expect(
            plan.offsets == [
                InvoiceInputs.OffsetRange(topic: "audit", partition: 0, firstOffset: 0, lastOffset: 4),
                InvoiceInputs.OffsetRange(topic: "audit", partition: 10, firstOffset: 0, lastOffset: 0),
                InvoiceInputs.OffsetRange(topic: "gateway", partition: 0, firstOffset: 0, lastOffset: 9),
            ])
        #expect(plan.targets.isEmpty)
    }

    @Test(
        "a partition's watermark is read from the state; before its first event, and for a partition the state never saw, there is none"
    )
    func partitionFromState() throws {
        var state = PartitionState(zones: try OBTimeZones([:]))
        let seen = PartitionKey(topic: "audit", partition: 0)
        _ = state.source(seen)
        let fresh = ClosePlan.Partition(seen, in: state, nextOffset: -1, idle: false)
        let unseen = ClosePlan.Partition(
            PartitionKey(topic: "audit", partition: 1), in: state, nextOffset: nil, idle: true)
        #expect(fresh == ClosePlan.Partition(key: seen, watermarkMs: nil, nextOffset: -1, idle: false))
        #expect(unseen.watermarkMs == nil && unseen.idle)
    }

    /// `OB YYYY-MM` as a plan key.
    static func key(_ text: String) throws -> ClosePlan.Key {
        let parts = text.split(separator: " ")
        return ClosePlan.Key(ob: String(parts[0]), period: try #require(Period(String(parts[1]))))
    }
}
