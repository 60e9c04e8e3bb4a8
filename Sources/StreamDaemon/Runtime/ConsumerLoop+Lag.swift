import Aggregation
import Prometheus

extension ConsumerLoop {
    /// Sets the per-partition gauges (lag, watermark, next offset) and the status's lag totals;
    /// the lag is known once every assigned partition's watermarks are.
    func updateLag() {
        var known = !engine.slots.isEmpty
        var consumed: Int64 = 0
        var lagTotal: Int64 = 0
        for p in engine.progress {
            let gauges = metrics.partition(p.key)
            consumed += max(0, p.nextOffset)
            if let lag = ConsumerService.lag(consumer: consumer, engine: engine, p.key) {
                gauges.lag.set(to: Double(lag))
                lagTotal += lag
            } else {
                known = false
            }
            if let wm = p.watermarkMs { gauges.watermark.set(to: Double(wm) / 1000) }
            gauges.nextOffset.set(to: Double(p.nextOffset))
        }
        status.update {
            $0.lagKnown = known
            $0.consumedOffsets = consumed
            $0.lagTotal = lagTotal
        }
    }
}
