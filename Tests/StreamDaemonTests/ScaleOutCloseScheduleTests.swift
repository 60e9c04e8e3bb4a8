import Testing

@testable import StreamDaemon

/// The scale-out leader's close schedule on plain instants: no clock, no broker.
@Suite("Scale-out close schedule: retry of recorded closes with back-off, and auto-close")
struct ScaleOutCloseScheduleTests {
    static let start = ContinuousClock.now
    static let policy = InvoiceBacklog.Policy(initial: .seconds(5), maximum: .seconds(300))

    @Test("a pending close is retried only once seen at two checks in a row; nothing pending is never retried")
    func staleBeforeRetry() {
        var schedule = ScaleOutCloseSchedule(policy: Self.policy, autoCloseEvery: nil, now: Self.start)
        #expect(schedule.next(pending: [], now: Self.start) == .none)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(5)) == .none)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(10)) == .retry)
        #expect(schedule.next(pending: ["JPN-2026-10"], now: Self.start + .seconds(15)) == .none)
    }

    @Test("failed retries back off 5 s, 10 s, 20 s … up to the maximum; a success resets to immediate")
    func backOff() {
        var schedule = ScaleOutCloseSchedule(policy: Self.policy, autoCloseEvery: nil, now: Self.start)
        let pending = ["ESP-2026-10"]
        var now = Self.start
        _ = schedule.next(pending: pending, now: now)
        var delays: [Duration] = []
        for _ in 0..<8 {
            now += .seconds(1)
            #expect(schedule.next(pending: pending, now: now) == .retry)
            let delay = schedule.retried(left: pending, now: now)
            delays.append(delay ?? .zero)
            // Not due a moment before the back-off ends; due when it ends.
            #expect(schedule.next(pending: pending, now: now + (delay ?? .zero) - .milliseconds(1)) == .none)
            now += delay ?? .zero
        }
        #expect(delays == [5, 10, 20, 40, 80, 160, 300, 300].map { Duration.seconds($0) })
        #expect(schedule.failures == 8)
        #expect(schedule.retried(left: [], now: now) == nil)
        #expect(schedule.failures == 0)
        _ = schedule.next(pending: pending, now: now)
        #expect(schedule.next(pending: pending, now: now) == .retry)
    }

    @Test("with auto_close the ready close runs every interval and goes first; without, it never runs")
    func autoClose() {
        var schedule = ScaleOutCloseSchedule(policy: Self.policy, autoCloseEvery: .seconds(2), now: Self.start)
        #expect(schedule.checkEvery == .seconds(2))
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(1)) == .none)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(2)) == .autoClose)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(3)) == .retry)
        #expect(schedule.next(pending: [], now: Self.start + .seconds(4)) == .autoClose)

        var off = ScaleOutCloseSchedule(policy: Self.policy, autoCloseEvery: nil, now: Self.start)
        #expect(off.checkEvery == .seconds(5))
        #expect((1...100).allSatisfy { off.next(pending: [], now: Self.start + .seconds($0)) == .none })
    }

    @Test("an instance that stops being the leader forgets what it saw and its back-off")
    func standBy() {
        var schedule = ScaleOutCloseSchedule(policy: Self.policy, autoCloseEvery: nil, now: Self.start)
        _ = schedule.next(pending: ["ESP-2026-10"], now: Self.start)
        _ = schedule.next(pending: ["ESP-2026-10"], now: Self.start)
        _ = schedule.retried(left: ["ESP-2026-10"], now: Self.start)
        schedule.standBy(now: Self.start + .seconds(1))
        #expect(schedule.failures == 0 && schedule.seen.isEmpty)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(2)) == .none)
        #expect(schedule.next(pending: ["ESP-2026-10"], now: Self.start + .seconds(3)) == .retry)
    }
}
