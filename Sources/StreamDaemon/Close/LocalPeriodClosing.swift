/// The close on one machine: queued onto the consumer thread, which owns the partition states
/// and runs `PeriodCloser` between polls.
struct LocalPeriodClosing: PeriodClosing {
    let control: ConsumerControl

    func close(_ scope: CloseScope) async throws -> CloseReport {
        try await control.close(scope)
    }
}
