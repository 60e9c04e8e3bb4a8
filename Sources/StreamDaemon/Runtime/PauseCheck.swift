/// When the consumer loop next looks whether a paused partition's fault cleared: after `first`,
/// then after doubling intervals up to `limit` (the checks are cheap: a cache lookup, a byte
/// count; the registry's own back-off is `SchemaFetchService`'s).
struct PauseCheck {
    static let first: Duration = .milliseconds(200)
    static let limit: Duration = .seconds(5)

    private(set) var due: ContinuousClock.Instant
    private var delay: Duration

    /// The first check, `first` after `now`.
    init(pausedAt now: ContinuousClock.Instant) {
        delay = Self.first
        due = now + delay
    }

    /// The fault was still there at `now`: the next check waits twice as long (bounded).
    mutating func stillFaulty(at now: ContinuousClock.Instant) {
        delay = min(delay * 2, Self.limit)
        due = now + delay
    }
}
