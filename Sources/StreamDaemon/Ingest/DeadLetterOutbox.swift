import KafkaBridge
import Prometheus
import Synchronization

/// The dead-letter topic's records that the broker has not yet confirmed.
///
/// The consumer thread adds each drain's records; before the checkpoint that follows, the
/// checkpoint writer thread produces every unconfirmed record and waits for its delivery report
/// (`confirm`). Confirmed records leave; failed ones stay and are produced again by the next
/// `confirm` (so the dead-letter topic is at least once: a record whose report was lost may
/// appear twice; readers dedupe by the original topic/partition/offset in the quarantine file).
/// A failure fails the checkpoint (retried like any failed checkpoint) instead of being assumed
/// durable.
final class DeadLetterOutbox: Sendable {
    private struct State {
        var records: [OutgoingRecord] = []
        /// A `confirm` is producing the first `inFlight` records.
        var inFlight: Int?
    }

    let topic: String
    private let producer: KafkaProducer
    private let state = Mutex(State())
    /// `aura_dead_letter_failures_total`.
    private let failures: Counter?
    private let timeoutMs: Int32

    init(topic: String, producer: KafkaProducer, failures: Counter?, timeoutMs: Int32 = 30_000) {
        self.topic = topic
        self.producer = producer
        self.failures = failures
        self.timeoutMs = timeoutMs
    }

    /// Records not yet confirmed.
    var unconfirmed: Int { state.withLock { $0.records.count } }

    /// Queues records for the next `confirm`.
    func add(_ records: [OutgoingRecord]) {
        guard !records.isEmpty else { return }
        state.withLock { $0.records += records }
    }

    /// Produces every unconfirmed record and blocks until each is acknowledged (or the timeout);
    /// blocking: run it on the checkpoint writer thread.
    /// - Throws: `DaemonError(.quarantine)` when a delivery failed or was not acknowledged (those
    ///   records stay for the next call), or when another `confirm` is running.
    func confirm() throws(DaemonError) {
        let batch: [OutgoingRecord]? = state.withLock { state in
            guard state.inFlight == nil else { return nil }
            state.inFlight = state.records.count
            return state.records
        }
        guard let batch else {
            throw DaemonError(.quarantine, "dead-letter confirmation already running", source: topic)
        }
        let results = batch.isEmpty ? [] : producer.produceAndCollect(batch, timeoutMs: timeoutMs)
        var failed: [OutgoingRecord] = []
        var firstError: KafkaError?
        for (record, result) in zip(batch, results) {
            if case .failure(let error) = result {
                failed.append(record)
                if firstError == nil { firstError = error }
            }
        }
        state.withLock { state in
            // Only `confirm` removes records and only one runs: `batch` is still their prefix.
            state.records = failed + state.records[batch.count...]
            state.inFlight = nil
        }
        guard let firstError else { return }
        failures?.increment(by: Int64(failed.count))
        throw DaemonError(
            .quarantine,
            "\(failed.count) of \(batch.count) dead-letter deliveries failed (kept to produce again): \(firstError)",
            source: topic)
    }
}
