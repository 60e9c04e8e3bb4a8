import Aggregation
import Dispatch
import Foundation
import Prometheus
import Synchronization

/// Writes checkpoints on its own thread so that consumption goes on while they are encoded,
/// written and fsynced.
///
/// The consumer thread encodes the changed partitions' states (`CheckpointStore.encode`: a delta
/// of what changed since the previous checkpoint — microseconds for thousands of events — or,
/// when the deltas outgrow half the base, a full base at about 15 ns per dedup key: 0.15 s for
/// 10M keys) and hands the bytes over with `submit`, and keeps consuming. The writer thread makes the quarantine durable, saves each checkpoint (temporary
/// file, fsync, rename, fsync of the directory), runs the after-save hook, and posts a
/// `Completion` that the consumer thread collects with `takeCompleted()` and only then commits
/// the offsets. (Handing over copy-on-write snapshots of the states instead, to encode on the
/// writer thread, was measured slower for the consumer: its next event then copies the whole
/// dedup table, 0.94 s for 10M keys against 0.15 s to encode them; `scripts/bench-aggregation.sh`.) At most one batch is
/// queued or in flight at a time: a checkpoint that falls due meanwhile waits for it.
///
/// Rebalance, close and shutdown need the checkpoint durable before they go on: they `drain()`
/// the queued or in-flight batch, then `write` theirs on the calling thread, so a partition's
/// generations are always written in the order they were encoded.
final class CheckpointWriter: Sendable {
    /// One partition's checkpoint to write.
    struct Job: Sendable {
        let key: PartitionKey
        /// The encoded base or delta (`CheckpointStore.encode`), taken on the consumer thread.
        let checkpoint: CheckpointStore.Encoded
        let store: CheckpointStore
        /// The next offset the encoded state holds (negative: nothing consumed yet).
        let nextOffset: Int64
    }

    /// A batch of jobs plus what must be durable before them.
    struct Batch: Sendable {
        var jobs: [Job]
        var quarantine: QuarantineDurability
    }

    /// The outcome of one batch.
    struct Completion: Sendable {
        /// Next offsets now durable (and accepted by the after-save hook), to commit.
        var durable: [PartitionKey: Int64] = [:]
        /// Partitions whose checkpoint was not written; they must be written again.
        var failed: [PartitionKey] = []
        /// Why the batch stopped, when it did.
        var error: (any Error)?
        var bytes = 0
    }

    /// Runs after a partition's checkpoint is durable locally and before its offsets become
    /// committable (the changelog publish of a scaled-out deployment goes here); throwing
    /// fails that partition's checkpoint (and makes its store's next checkpoint a base).
    /// Arguments: partition, the checkpoint as encoded (a base or a delta record), generation
    /// written, next offset. Called on the writer thread, or the thread calling `flush`.
    typealias AfterSave = @Sendable (PartitionKey, CheckpointStore.Encoded, UInt64, Int64) throws -> Void

    private struct State {
        var queued: Batch?
        var inFlight = false
        var completed: [Completion] = []
        var stopping = false
    }

    private let state = Mutex(State())
    /// Held while a batch is written: serializes the writer thread and `flush` callers.
    private let io = Mutex(())
    /// Signalled once per `submit` and once by `shutdown`.
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled when the writer thread exits.
    private let exited = DispatchSemaphore(value: 0)
    private let afterSave: AfterSave?
    private let metrics: DaemonMetrics

    /// Starts the writer thread.
    init(afterSave: AfterSave? = nil, metrics: DaemonMetrics) {
        self.afterSave = afterSave
        self.metrics = metrics
        let thread = Thread { [self] in self.loop() }
        thread.name = "aura-checkpoint"
        thread.start()
    }

    /// Whether a batch is queued or being written.
    var busy: Bool { state.withLock { $0.queued != nil || $0.inFlight } }

    /// Queues `batch` for the writer thread; returns at once.
    /// - Precondition: not `busy` (the consumer submits one batch at a time; a second one would
    ///   have to wait behind the first anyway, and encoded states would pile up in memory).
    func submit(_ batch: Batch) {
        state.withLock { state in
            precondition(state.queued == nil && !state.inFlight, "one checkpoint batch at a time")
            state.queued = batch
        }
        wake.signal()
    }

    /// Completions of batches written by the writer thread since the last call.
    func takeCompleted() -> [Completion] {
        state.withLock { state in
            defer { state.completed.removeAll() }
            return state.completed
        }
    }

    /// Waits until no batch is queued or in flight (writing a queued one on the calling thread)
    /// and returns every completion not yet taken.
    func drain() -> [Completion] {
        waitUntilWritten()
        return takeCompleted()
    }

    /// Waits until no batch is queued or in flight, writing a queued one on the calling thread;
    /// the completions stay for `takeCompleted()`.
    func waitUntilWritten() {
        io.withLock { _ in
            if let queued = state.withLock({ $0.queued.take() }) {
                let done = perform(queued)
                state.withLock { $0.completed.append(done) }
            }
        }
    }

    /// Writes `batch` on the calling thread, serialized with the writer thread; call `drain()`
    /// first so that generations are written in the order they were encoded.
    func write(_ batch: Batch) -> Completion {
        io.withLock { _ in perform(batch) }
    }

    /// Stops the writer thread after the queued batch (if any) is written; waits for it.
    func shutdown() {
        state.withLock { $0.stopping = true }
        wake.signal()
        exited.wait()
    }

    // MARK: Writer thread

    private func loop() {
        defer { exited.signal() }
        while true {
            wake.wait()
            // The io lock first, then the batch: a `drain` holding io may take the batch itself.
            let stop: Bool = io.withLock { _ in
                let (batch, stopping) = state.withLock { state -> (Batch?, Bool) in
                    let batch = state.queued.take()
                    state.inFlight = batch != nil
                    return (batch, state.stopping)
                }
                if let batch {
                    let done = perform(batch)
                    state.withLock {
                        $0.completed.append(done)
                        $0.inFlight = false
                    }
                }
                return stopping
            }
            if stop { return }
        }
    }

    /// Makes the quarantine durable, then saves each job; stops at the first failure.
    private func perform(_ batch: Batch) -> Completion {
        var done = Completion()
        guard !batch.jobs.isEmpty else { return done }
        let start = ContinuousClock.now
        var next = 0
        do {
            try batch.quarantine.makeDurable()
            while next < batch.jobs.count {
                let job = batch.jobs[next]
                let saved = try job.store.save(job.checkpoint)
                try afterSave?(job.key, job.checkpoint, saved.generation, job.nextOffset)
                done.bytes += saved.bytes
                if job.nextOffset >= 0 { done.durable[job.key] = job.nextOffset }
                next += 1
            }
        } catch {
            done.error = error
            done.failed = batch.jobs[next...].map(\.key)
            // The jobs from the failing one on were encoded (as bases or deltas) but not all
            // saved: their next checkpoint must be a base, never a delta of a missing record.
            for job in batch.jobs[next...] { job.store.abandonUnsaved() }
            metrics.checkpointFailures.increment()
        }
        if done.error == nil {
            metrics.checkpointDuration.record(ContinuousClock.now - start)
            metrics.checkpointBytes.set(to: Double(done.bytes))
            metrics.checkpointLastSuccess.set(to: Date().timeIntervalSince1970)
        }
        return done
    }
}
