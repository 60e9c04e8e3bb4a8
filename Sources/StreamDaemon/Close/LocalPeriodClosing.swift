/// The close on one machine: queued onto the consumer thread, which owns the partition states
/// and runs `PeriodCloser` between polls. Refused (`DaemonError(.notReady)`) while the daemon is
/// not ready (`DaemonStatus.requireReadyToClose()`): before the group assigned partitions or the
/// lag is known, the consumer has nothing to close from.
struct LocalPeriodClosing: PeriodClosing {
    let control: ConsumerControl
    let status: DaemonStatus

    func close(_ scope: CloseScope) async throws -> CloseReport {
        try status.requireReadyToClose()
        return try await control.close(scope)
    }
}
