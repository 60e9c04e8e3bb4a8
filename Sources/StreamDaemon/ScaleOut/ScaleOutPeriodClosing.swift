/// The close when scaled out: `DistributedCloser` from the changelog, on the blocking pool (it
/// waits on Kafka round trips and writes files), never on the consumer thread, which must keep
/// freezing its own partitions while the closer waits for every instance.
struct ScaleOutPeriodClosing: PeriodClosing {
    let closer: DistributedCloser

    func close(_ scope: CloseScope) async throws -> CloseReport {
        try await Blocking.run { try closer.close(scope) }
    }
}
