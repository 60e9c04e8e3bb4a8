/// Runs a close from any task (admin endpoint, SIGUSR1, auto-close): on one machine through the
/// consumer thread (`LocalPeriodClosing`), scaled out through the changelog
/// (`ScaleOutPeriodClosing`). The daemon holds one and does not care which.
package protocol PeriodClosing: Sendable {
    /// Closes what `scope` names and reports per (OB, period); throws when the close could not
    /// run at all.
    func close(_ scope: CloseScope) async throws -> CloseReport
}
