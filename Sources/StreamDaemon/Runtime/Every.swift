/// A periodic step of the consumer loop: due once `interval` has passed since it last ran
/// (or since the loop started).
struct Every {
    let interval: Duration
    private(set) var last: ContinuousClock.Instant

    init(_ interval: Duration, from start: ContinuousClock.Instant = .now) {
        self.interval = interval
        last = start
    }

    /// Whether `interval` has passed at `now` since the step last ran.
    func isDue(_ now: ContinuousClock.Instant) -> Bool {
        now - last >= interval
    }

    /// Marks the step run at `now`.
    mutating func ran(at now: ContinuousClock.Instant) {
        last = now
    }

    /// When due at `now`, marks the step run and returns true.
    mutating func fire(_ now: ContinuousClock.Instant) -> Bool {
        guard isDue(now) else { return false }
        ran(at: now)
        return true
    }
}
