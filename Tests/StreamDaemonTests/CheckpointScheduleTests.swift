import Testing

@testable import StreamDaemon

/// When the consumer loop starts a background checkpoint: due by events or by time, never while
/// the writer is busy, and after a failed write only one interval later.
@Suite("Checkpoint schedule")
struct CheckpointScheduleTests {
    static let t0 = ContinuousClock.now
    static let schedule = CheckpointSchedule(everyEvents: 1_000, interval: .seconds(10))

    @Test("a checkpoint is due once the configured number of events arrived, however recent the last one")
    func dueByEvents() {
        #expect(!Self.schedule.isDue(eventsSinceCheckpoint: 999, lastCheckpoint: Self.t0, now: Self.t0))
        #expect(Self.schedule.isDue(eventsSinceCheckpoint: 1_000, lastCheckpoint: Self.t0, now: Self.t0))
    }

    @Test("a checkpoint is due after the interval only when something was consumed")
    func dueByInterval() {
        let later = Self.t0 + .seconds(10)
        #expect(!Self.schedule.isDue(eventsSinceCheckpoint: 1, lastCheckpoint: Self.t0, now: Self.t0 + .seconds(9)))
        #expect(Self.schedule.isDue(eventsSinceCheckpoint: 1, lastCheckpoint: Self.t0, now: later))
        #expect(!Self.schedule.isDue(eventsSinceCheckpoint: 0, lastCheckpoint: Self.t0, now: later + .seconds(3_600)))
    }

    @Test("no checkpoint starts while the writer is still busy with the previous one")
    func writerBusy() {
        #expect(
            !Self.schedule.shouldStart(
                eventsSinceCheckpoint: 5_000, lastCheckpoint: Self.t0, writerBusy: true, now: Self.t0))
        #expect(
            Self.schedule.shouldStart(
                eventsSinceCheckpoint: 5_000, lastCheckpoint: Self.t0, writerBusy: false, now: Self.t0))
    }

    @Test("after a failed write the next checkpoint waits one interval, not the next poll")
    func backOffAfterFailure() {
        var schedule = Self.schedule
        let failedAt = Self.t0 + .seconds(1)
        schedule.writeFailed(at: failedAt)
        #expect(schedule.retryAt == failedAt + .seconds(10))
        for now in [failedAt, failedAt + .milliseconds(100), failedAt + .milliseconds(9_999)] {
            #expect(
                !schedule.shouldStart(
                    eventsSinceCheckpoint: 5_000, lastCheckpoint: Self.t0, writerBusy: false, now: now))
        }
        #expect(
            schedule.shouldStart(
                eventsSinceCheckpoint: 5_000, lastCheckpoint: Self.t0, writerBusy: false, now: failedAt + .seconds(10)))
    }

    @Test("a written checkpoint clears the back-off")
    func successClearsBackOff() {
        var schedule = Self.schedule
        schedule.writeFailed(at: Self.t0)
        schedule.written()
        #expect(schedule.retryAt == nil)
        #expect(
            schedule.shouldStart(eventsSinceCheckpoint: 1_000, lastCheckpoint: Self.t0, writerBusy: false, now: Self.t0)
        )
    }

    @Test("a periodic step runs once per interval and waits a whole interval after each run")
    func every() {
        var tick = Every(.seconds(2), from: Self.t0)
        let early = tick.fire(Self.t0 + .milliseconds(1_999))
        let onTime = tick.fire(Self.t0 + .seconds(2))
        let again = tick.fire(Self.t0 + .seconds(3))
        #expect(!early)
        #expect(onTime)
        #expect(!again, "the interval restarts when the step runs")
        #expect(tick.isDue(Self.t0 + .seconds(4)))
        #expect(tick.isDue(Self.t0 + .seconds(4)), "asking does not run the step")
        tick.ran(at: Self.t0 + .seconds(5))
        #expect(!tick.isDue(Self.t0 + .milliseconds(6_999)))
    }
}
