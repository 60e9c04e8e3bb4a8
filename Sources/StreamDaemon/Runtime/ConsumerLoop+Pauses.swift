import Aggregation
import Logging
import Prometheus

/// Transient faults: a paused partition (`BillingEngine+Pauses`) is paused and sought back in the
/// consumer, checked with a bounded back-off (`PauseCheck`), and resumed (sought to its pause
/// offset, then resumed) once its fault cleared. Other partitions keep going.
extension ConsumerLoop {
    /// How long a seek before resuming may wait for the fetcher to take the new position.
    static let seekTimeoutMs: Int32 = 5_000

    /// Loop step: pauses what the engine paused (and every partition while the quarantine
    /// backlog is over its bound), resumes what cleared, and publishes the paused set.
    func managePauses(_ now: ContinuousClock.Instant) {
        for key in engine.takeNewPauses() { pauseInConsumer(key, now: now) }
        if engine.quarantine.pendingBytes > settings.quarantineBacklogLimit {
            for key in engine.pauseAll(reason: .quarantineUnwritable) { pauseInConsumer(key, now: now) }
        }
        let paused = engine.paused
        guard !paused.isEmpty || !pauseChecks.isEmpty else { return }
        for (key, pause) in paused where now >= (pauseChecks[key]?.due ?? now) {
            if faultCleared(pause), resumeInConsumer(key, pause) {
                pauseChecks[key] = nil
            } else {
                pauseChecks[key, default: PauseCheck(pausedAt: now)].stillFaulty(at: now)
            }
        }
        // Revoked partitions took their pause with them.
        let assignedPaused = Set(engine.paused.map(\.key))
        pauseChecks = pauseChecks.filter { assignedPaused.contains($0.key) }
        publishPauses()
    }

    /// Whether the fault a pause waits for is gone.
    func faultCleared(_ pause: PartitionPause) -> Bool {
        switch pause.reason {
        case .schemaRegistry: engine.schemaSettled(pause)
        case .quarantineUnwritable: engine.quarantine.pendingBytes <= settings.quarantineBacklogLimit
        }
    }

    /// Stops fetching `key` and moves its position back to the pause offset (messages fetched
    /// meanwhile are ignored by the engine; the position is set again before resuming).
    private func pauseInConsumer(_ key: PartitionKey, now: ContinuousClock.Instant) {
        guard let pause = engine.pause(of: key) else { return }
        pauseChecks[key] = PauseCheck(pausedAt: now)
        metrics.partitionPauses[pause.reason]?.increment()
        logger.warning(
            "partition paused by a transient fault; nothing is quarantined, it resumes at the same offset",
            metadata: ["partition": "\(key)", "offset": "\(pause.offset)", "reason": "\(pause.reason.rawValue)"])
        do {
            try consumer.pause([key])
            try consumer.seek([key: pause.offset], timeoutMs: 0)
        } catch {
            logger.warning("pausing the partition in the consumer failed", metadata: ["error": "\(error)"])
        }
    }

    /// Seeks `key` to its pause offset and resumes it; false (still paused) when the consumer refused.
    private func resumeInConsumer(_ key: PartitionKey, _ pause: PartitionPause) -> Bool {
        do {
            try consumer.seek([key: pause.offset], timeoutMs: Self.seekTimeoutMs)
            try consumer.resume([key])
        } catch {
            logger.warning("resuming the partition failed; retried", metadata: ["error": "\(error)"])
            return false
        }
        engine.resume(key)
        logger.notice(
            "partition resumed",
            metadata: [
                "partition": "\(key)", "offset": "\(pause.offset)",
                "reason": "\(pause.reason.rawValue)",
            ])
        return true
    }

    /// `/readyz` and the paused gauges from the engine's paused set.
    private func publishPauses() {
        let paused = engine.paused
        status.update { $0.paused = paused.map { $0.pause.describe($0.key) } }
        for reason in PartitionPause.Reason.allCases {
            metrics.partitionsPaused[reason]?.set(to: Double(paused.count(where: { $0.pause.reason == reason })))
        }
    }
}
