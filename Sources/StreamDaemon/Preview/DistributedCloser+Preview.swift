import Aggregation
import Synchronization

extension DistributedCloser {
    /// Scaled out, the view a preview prices from on any instance: every source partition's
    /// newest changelog state merged — the state a close made now would invoice from — with the
    /// close's facts (`View.facts`, the close topic's requests and done notes). Its freshness is
    /// the changelog's: each partition's next offset as last published, its lag behind the
    /// broker's high watermark. Blocking (Kafka round trips); waits while a close runs on this
    /// closer (they share its readers). States already read are not fetched again.
    func previewView() throws -> LiveStateView {
        try serial.withLock { _ throws in
            let nowMs = LiveStateView.wallClockMs()
            let log = try closeLog.read()
            let keys = try sourcePartitions()
            let view = try readView(keys)
            let merged = try view.merged(zones: zones)
            let facts = view.facts(
                .ready, merged: merged, log: log, graceMs: settings.graceMs, nowMs: nowMs,
                horizonMs: settings.lateHorizonMs)
            let partitions = keys.map { key in
                let next = view.nextOffset(key)
                let watermark = view.states[key]?.partitions.first { $0.key == key }?.watermarkMs
                return LiveStateView.Partition(
                    key: key, watermarkMs: watermark == .min ? nil : watermark, nextOffset: next,
                    lag: view.highs[key].map { max(0, $0 - (next ?? 0)) })
            }
            return LiveStateView(
                state: merged, facts: facts, partitions: partitions, lastCheckpointMs: nil, takenAtMs: nowMs,
                source: .changelog)
        }
    }
}
