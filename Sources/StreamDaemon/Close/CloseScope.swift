/// What to close: every ready period (SIGUSR1, auto-close), or one period (admin endpoint).
package enum CloseScope: Sendable, Equatable {
    /// Every (OB, period) that is ready and not yet closed.
    case ready
    /// One period, for one OB or all OBs with events in it; `force` skips the readiness gate.
    case period(String, ob: String?, force: Bool)
}
