import Aggregation
import KafkaBridge
import Logging

/// What an instance needs in scale-out mode (`state.changelog_topic`): the changelog, the close
/// log, a reader that tails the close topic, and the close requests seen so far.
///
/// The changelog publish runs wherever checkpoints are written; everything else (assignment,
/// tailing, `requests`) is confined to the consumer thread.
final class ScaleOutBinding: @unchecked Sendable {
    // `@unchecked Sendable`: `requests` and `tailing` are touched only on the consumer thread;
    // the other members are immutable references to thread-safe objects.
    let changelog: ChangelogStore
    let closeLog: CloseLog
    /// A reader of its own: librdkafka's simple consumer allows one reader per partition, and
    /// the changelog reader may be reading while the close topic is tailed.
    let tail: KafkaPartitionReader
    let logger: Logger
    /// Close requests seen (first per key), applied to every partition state taken over.
    private(set) var requests: [String: CloseRecord] = [:]
    private var tailing = false

    init(changelog: ChangelogStore, closeLog: CloseLog, tail: KafkaPartitionReader, logger: Logger) {
        self.changelog = changelog
        self.closeLog = closeLog
        self.tail = tail
        self.logger = logger
    }

    /// Records requests; returns those not seen before.
    @discardableResult
    func absorb(_ records: [CloseRecord]) -> [CloseRecord] {
        var new: [CloseRecord] = []
        for record in records where record.kind == .request && requests[record.key] == nil {
            requests[record.key] = record
            new.append(record)
        }
        return new
    }

    /// New close requests on the close topic since the last call (tailing it from the
    /// beginning on the first call). Non-blocking.
    func pollRequests() throws -> [CloseRecord] {
        if !tailing {
            try tail.startTail(closeLog.partition, from: .beginning)
            tailing = true
        }
        return absorb(try tail.pollTail(closeLog.partition).compactMap(closeLog.decode))
    }

    /// The periods of `requests` as (ob, period) pairs.
    static func periods(_ requests: [CloseRecord]) -> [(ob: String, period: Period)] {
        requests.compactMap { r in Period(r.period).map { (r.ob, $0) } }
    }
}
