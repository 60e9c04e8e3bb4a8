internal import CRdKafka
import Synchronization

/// Collects the delivery reports of one `produceAndWait` call.
///
/// Each produced message carries a retained `DeliveryTracker.Slot` as its opaque; librdkafka's
/// delivery callback (on whichever thread polls the producer) records the outcome and releases it.
package final class DeliveryTracker: Sendable {
    /// The opaque of one message: which tracker and which index.
    package final class Slot: Sendable {
        package let tracker: DeliveryTracker
        package let index: Int
        package init(tracker: DeliveryTracker, index: Int) {
            self.tracker = tracker
            self.index = index
        }
    }

    /// Per message: nil while pending, else the offset or the librdkafka error code.
    private let outcomes: Mutex<[Result<Int64, KafkaError>?]>
    private let remaining: Atomic<Int>

    package init(count: Int) {
        outcomes = Mutex(Array(repeating: nil, count: count))
        remaining = Atomic(count)
    }

    package var pending: Int { remaining.load(ordering: .acquiring) }

    package func record(_ index: Int, _ outcome: Result<Int64, KafkaError>) {
        let first = outcomes.withLock { slots -> Bool in
            guard slots[index] == nil else { return false }
            slots[index] = outcome
            return true
        }
        if first { remaining.subtract(1, ordering: .releasing) }
    }

    /// The outcomes so far (nil = still pending).
    package var results: [Result<Int64, KafkaError>?] { outcomes.withLock { $0 } }
}
