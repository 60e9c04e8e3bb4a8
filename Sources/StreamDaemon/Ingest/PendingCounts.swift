import Aggregation
import Prometheus

/// Metric increments accumulated over one poll batch.
struct PendingCounts {
    var auditConsumed: Int64 = 0, gatewayConsumed: Int64 = 0
    var auditDecoded: Int64 = 0, gatewayDecoded: Int64 = 0
    var auditDuplicates: Int64 = 0, gatewayDuplicates: Int64 = 0
    var auditLate: Int64 = 0, gatewayLate: Int64 = 0
    var quarantine: [String: Int64] = [:]  // "topic\0reason"

    mutating func consumed(_ kind: PartitionSlot.Kind) {
        if kind == .audit { auditConsumed += 1 } else { gatewayConsumed += 1 }
    }

    mutating func count(_ outcome: PartitionState.Outcome, kind: PartitionSlot.Kind) {
        switch (outcome, kind) {
        case (.counted, .audit): auditDecoded += 1
        case (.counted, .gateway): gatewayDecoded += 1
        case (.duplicate, .audit):
            auditDecoded += 1
            auditDuplicates += 1
        case (.duplicate, .gateway):
            gatewayDecoded += 1
            gatewayDuplicates += 1
        case (.late, .audit):
            auditDecoded += 1
            auditLate += 1
        case (.late, .gateway):
            gatewayDecoded += 1
            gatewayLate += 1
        }
    }

    mutating func quarantined(topic: String, reason: String) {
        quarantine[topic + "\u{0}" + reason, default: 0] += 1
    }

    mutating func flush(into metrics: DaemonMetrics) {
        func add(_ counter: Counter, _ value: inout Int64) {
            if value != 0 {
                counter.increment(by: value)
                value = 0
            }
        }
        add(metrics.audit.consumed, &auditConsumed)
        add(metrics.gateway.consumed, &gatewayConsumed)
        add(metrics.audit.decoded, &auditDecoded)
        add(metrics.gateway.decoded, &gatewayDecoded)
        add(metrics.audit.deduplicated, &auditDuplicates)
        add(metrics.gateway.deduplicated, &gatewayDuplicates)
        add(metrics.audit.late, &auditLate)
        add(metrics.gateway.late, &gatewayLate)
        for (key, value) in quarantine {
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            metrics.quarantined(topic: parts[0], reason: parts.count > 1 ? parts[1] : "").increment(by: value)
        }
        quarantine.removeAll(keepingCapacity: true)
    }
}
