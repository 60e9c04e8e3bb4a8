import Aggregation

extension DistributedCloser {
    /// The usage to reprice when scaled out: every source partition's newest changelog state,
    /// merged as the close merges them (`readView`), and the closes requested in the close
    /// topic. Reads only. A partition with records but no changelog state fails (its usage would
    /// be missing). Blocking (Kafka round trips).
    func repriceSource() throws -> RepriceSource {
        let view = try readView(try sourcePartitions())
        if let missing = view.missing.first {
            throw DaemonError(
                .close, "partition \(missing.topic)-\(missing.partition) has records but no state in the changelog")
        }
        let requests = try closeLog.read().requests.values
        return RepriceSource(
            state: try view.merged(zones: zones), closed: Set(requests.map { "\($0.ob) \($0.period)" }))
    }
}
