internal import CRdKafka
import Synchronization

/// Collects the delivery reports of one `produceAndWait` call.
///
/// Each produced message carries a retained `DeliveryTracker.Slot` as its opaque; librdkafka's
/// delivery callback (on whichever thread polls the producer) records the outcome and releases it.
final class DeliveryTracker: Sendable {
    /// The opaque of one message: which tracker and which index.
    final class Slot: Sendable {
        let tracker: DeliveryTracker
        let index: Int
        init(tracker: DeliveryTracker, index: Int) {
            self.tracker = tracker
            self.index = index
        }
    }

    /// Per message: nil while pending, else the offset or the librdkafka error code.
    private let outcomes: Mutex<[Result<Int64, DaemonError>?]>
    private let remaining: Atomic<Int>

    init(count: Int) {
        outcomes = Mutex(Array(repeating: nil, count: count))
        remaining = Atomic(count)
    }

    var pending: Int { remaining.load(ordering: .acquiring) }

    func record(_ index: Int, _ outcome: Result<Int64, DaemonError>) {
        let first = outcomes.withLock { slots -> Bool in
            guard slots[index] == nil else { return false }
            slots[index] = outcome
            return true
        }
        if first { remaining.subtract(1, ordering: .releasing) }
    }

    /// The outcomes so far (nil = still pending).
    var results: [Result<Int64, DaemonError>?] { outcomes.withLock { $0 } }
}
