import Aggregation

extension ConsumerLoop {
    /// Publishes a `LiveStateView` for previews when one is due (`LiveStateSnapshots.due`): the
    /// merged state and the close's facts, taken here exactly as `PeriodCloser.close` takes them
    /// (the consumer thread owns the states). Costs one merge per view, only while previews are
    /// asked for; nothing per message.
    func publishPreviewIfDue(_ now: ContinuousClock.Instant) {
        let snapshots = control.snapshots
        let signature = previewSignature()
        guard snapshots.due(signature: signature, now: now) == .publish else { return }
        let view: Result<LiveStateView, any Error>
        do { view = .success(try takePreviewView()) } catch { view = .failure(error) }
        snapshots.publish(view, signature: signature, now: now)
    }

    /// The merged state and the close's facts, now (consumer thread).
    func takePreviewView() throws -> LiveStateView {
        guard !engine.slots.isEmpty else {
            throw DaemonError(.notReady, "no partitions assigned yet", source: "preview")
        }
        let nowMs = LiveStateView.wallClockMs()
        let merged = try engine.mergedState()
        var partitions: [LiveStateView.Partition] = []
        for p in engine.progress {
            partitions.append(
                LiveStateView.Partition(
                    key: p.key, watermarkMs: p.watermarkMs, nextOffset: p.nextOffset < 0 ? nil : p.nextOffset,
                    lag: ConsumerService.lag(consumer: consumer, engine: engine, p.key)))
        }
        let sinceCheckpoint = ContinuousClock.now - engine.lastCheckpoint
        let sinceMs =
            sinceCheckpoint.components.seconds * 1000 + sinceCheckpoint.components.attoseconds / 1_000_000_000_000_000
        return LiveStateView(
            state: merged, facts: closer.facts(.ready, merged: merged, nowMs: nowMs), partitions: partitions,
            lastCheckpointMs: nowMs - sinceMs, takenAtMs: nowMs, source: .live)
    }

    /// What a view depends on that the loop changes: each partition's next offset and closed
    /// periods (a freeze changes no offset), folded into one number — no allocation per pass.
    func previewSignature() -> Int64 {
        var signature: Int64 = 17
        for slot in engine.slots {
            signature = signature &* 31 &+ slot.nextOffset
            signature = signature &* 31 &+ Int64(slot.state.closed.count)
        }
        return signature
    }
}
