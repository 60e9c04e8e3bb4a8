/// What to close: every ready period (SIGUSR1, auto-close), one period (admin endpoint), or
/// only the closes already recorded and not finished (the scale-out retry of failed deliveries).
package enum CloseScope: Sendable, Equatable {
    /// Every (OB, period) that is ready and not yet closed.
    case ready
    /// One period, for one OB or all OBs with events in it; `force` skips the readiness gate.
    case period(String, ob: String?, force: Bool)
    /// Every (OB, period) whose close is recorded (its request is in the close topic) but not
    /// finished (no done note): never starts a close. On one machine every recorded close is
    /// finished in the plan's sense (the background queue retries its delivery), so it plans
    /// nothing there.
    case recorded
}
