import Aggregation
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (docs/spec.md §9), created once with bounded labels.
///
/// Label sets are bounded by construction: `topic` is one of the two configured topics,
/// `reason` one of the decoder's error codes, `partition` one of the topics' partitions (created
/// on first assignment), `ob` one of the OBs invoiced.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let perPartition = Mutex<[PartitionKey: PartitionMetrics]>([:])
    private let perReason = Mutex<[String: Counter]>([:])
    private let perOB = Mutex<[String: Gauge]>([:])

    /// Per-topic event counters.
    struct TopicCounters: Sendable {
        let consumed: Counter
        let decoded: Counter
        let deduplicated: Counter
        let late: Counter
    }

    /// Per-partition gauges.
    struct PartitionMetrics: Sendable {
        let lag: Gauge
        let watermark: Gauge
        let nextOffset: Gauge
    }

    let audit: TopicCounters
    let gateway: TopicCounters
    let checkpointDuration: DurationHistogram
    let checkpointBytes: Gauge
    let checkpointLastSuccess: Gauge
    let checkpointFailures: Counter
    let commitFailures: Counter
    let openAggregateRows: Gauge
    let dedupKeys: Gauge
    let dedupKeysExpired: Counter
    let periodsClosed: Counter
    let periodsReady: Gauge
    let closeFailures: Counter
    /// (OB, period) invoices frozen but not yet issued and delivered (`InvoiceQueue`).
    let invoicesPendingDelivery: Gauge
    /// Failed attempts to issue or deliver an invoice (each is retried in the background).
    let invoiceDeliveryFailures: Counter
    let reloads: Counter
    let reloadFailures: Counter
    /// `aura_partitions_paused{reason}`: assigned partitions paused by a transient fault now.
    let partitionsPaused: [PartitionPause.Reason: Gauge]
    /// `aura_partition_pauses_total{reason}`: pauses started.
    let partitionPauses: [PartitionPause.Reason: Counter]
    /// Bytes in every quarantine segment.
    let quarantineBytes: Gauge
    /// Dead-letter records whose delivery failed (each failure fails the checkpoint after it).
    let deadLetterFailures: Counter
    /// Rotations that left the quarantine over `quarantine.max_files` (nothing deletable).
    let quarantineOverBound: Counter
    /// `aura_invoice_events_sent_total{sink}`: `InvoiceClosed` events acknowledged, per sink.
    private let eventsSent: [String: Counter]
    /// `aura_invoice_event_failures_total{sink}`: failed attempts to send one (each is retried).
    private let eventFailures: [String: Counter]
    /// `aura_invoice_events_pending`: events in the outbox not yet acknowledged (every sink).
    let invoiceEventsPending: Gauge
    /// `aura_process_heap_in_use_bytes`: heap the allocator has handed out (`HeapUsage.inUse`),
    /// read at each scrape.
    let heapInUse: Gauge
    /// `aura_process_heap_free_bytes`: heap free but held by the allocator (`HeapUsage.heldFree`).
    let heapFree: Gauge

    /// The `sink` label values of the invoice event metrics.
    static let eventSinks = ["kafka", "webhook"]

    init(auditTopic: String, gatewayTopic: String) {
        let registry = self.registry
        func topic(_ name: String) -> TopicCounters {
            TopicCounters(
                consumed: registry.makeCounter(
                    descriptor: .aura("aura_events_consumed_total", "Messages read from Kafka"),
                    labels: [("topic", name)]),
                decoded: registry.makeCounter(
                    descriptor: .aura("aura_events_decoded_total", "Messages decoded and aggregated"),
                    labels: [("topic", name)]),
                deduplicated: registry.makeCounter(
                    descriptor: .aura("aura_events_deduplicated_total", "Duplicate events dropped"),
                    labels: [("topic", name)]),
                late: registry.makeCounter(
                    descriptor: .aura(
                        "aura_events_late_total", "Events for already closed periods (billed as adjustments)"),
                    labels: [("topic", name)])
            )
        }
        audit = topic(auditTopic)
        gateway = topic(gatewayTopic)
        checkpointDuration = registry.makeDurationHistogram(
            descriptor: .aura("aura_checkpoint_duration_seconds", "Time to write one checkpoint durably"),
            buckets: [
                .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2), .seconds(5),
            ]
        )
        checkpointBytes = registry.makeGauge(
            descriptor: .aura("aura_checkpoint_size_bytes", "Size of the last checkpoint written"))
        checkpointLastSuccess = registry.makeGauge(
            descriptor: .aura(
                "aura_checkpoint_last_success_timestamp_seconds",
                "When the last checkpoint became durable (age = now - this)"))
        checkpointFailures = registry.makeCounter(
            descriptor: .aura(
                "aura_checkpoint_failures_total", "Checkpoint writes that failed (offsets are not committed)"))
        commitFailures = registry.makeCounter(
            descriptor: .aura("aura_offset_commit_failures_total", "Kafka offset commits that failed"))
        openAggregateRows = registry.makeGauge(
            descriptor: .aura("aura_open_aggregate_rows", "Aggregate rows held for open periods"))
        dedupKeys = registry.makeGauge(descriptor: .aura("aura_dedup_keys", "Fingerprints held for deduplication"))
        dedupKeysExpired = registry.makeCounter(
            descriptor: .aura(
                "aura_dedup_keys_expired_total", "Fingerprints dropped with closed periods past the late horizon"))
        periodsClosed = registry.makeCounter(
            descriptor: .aura("aura_periods_closed_total", "Invoices written (OB-periods closed)"))
        periodsReady = registry.makeGauge(
            descriptor: .aura("aura_periods_ready_to_close", "OB-periods ready to close and not yet closed"))
        closeFailures = registry.makeCounter(
            descriptor: .aura("aura_close_failures_total", "Period closes that failed"))
        invoicesPendingDelivery = registry.makeGauge(
            descriptor: .aura(
                "aura_invoices_pending_delivery", "OB-period invoices frozen but not yet issued and delivered"))
        invoiceDeliveryFailures = registry.makeCounter(
            descriptor: .aura(
                "aura_invoice_delivery_failures_total", "Failed attempts to issue or deliver an invoice (retried)"))
        reloads = registry.makeCounter(
            descriptor: .aura("aura_reloads_total", "Successful reloads of catalog and dimensions (SIGHUP)"))
        reloadFailures = registry.makeCounter(
            descriptor: .aura("aura_reload_failures_total", "Reloads rejected (the previous catalog stays)"))
        var paused: [PartitionPause.Reason: Gauge] = [:]
        var pauses: [PartitionPause.Reason: Counter] = [:]
        for reason in PartitionPause.Reason.allCases {
            paused[reason] = registry.makeGauge(
                descriptor: .aura("aura_partitions_paused", "Partitions paused by a transient fault"),
                labels: [("reason", reason.rawValue)])
            pauses[reason] = registry.makeCounter(
                descriptor: .aura("aura_partition_pauses_total", "Partition pauses started by a transient fault"),
                labels: [("reason", reason.rawValue)])
        }
        partitionsPaused = paused
        partitionPauses = pauses
        quarantineBytes = registry.makeGauge(
            descriptor: .aura("aura_quarantine_bytes", "Bytes in every quarantine segment (quarantine.jsonl*)"))
        deadLetterFailures = registry.makeCounter(
            descriptor: .aura(
                "aura_dead_letter_failures_total", "Dead-letter deliveries that failed (retried; the checkpoint waits)")
        )
        quarantineOverBound = registry.makeCounter(
            descriptor: .aura(
                "aura_quarantine_over_bound_total",
                "Rotations that left the quarantine over quarantine.max_files (no fully requeued segment to delete)"))
        var sent: [String: Counter] = [:]
        var failures: [String: Counter] = [:]
        for sink in Self.eventSinks {
            sent[sink] = registry.makeCounter(
                descriptor: .aura("aura_invoice_events_sent_total", "InvoiceClosed events acknowledged by the sink"),
                labels: [("sink", sink)])
            failures[sink] = registry.makeCounter(
                descriptor: .aura(
                    "aura_invoice_event_failures_total", "Failed attempts to send an InvoiceClosed event (retried)"),
                labels: [("sink", sink)])
        }
        eventsSent = sent
        eventFailures = failures
        invoiceEventsPending = registry.makeGauge(
            descriptor: .aura("aura_invoice_events_pending", "InvoiceClosed events stored but not yet acknowledged"))
        heapInUse = registry.makeGauge(
            descriptor: .aura(
                "aura_process_heap_in_use_bytes", "Heap allocated and not freed (malloc arenas and mmapped blocks)"))
        heapFree = registry.makeGauge(
            descriptor: .aura(
                "aura_process_heap_free_bytes", "Heap free but held by the allocator (not returned to the system)"))
    }

    /// `aura_invoice_events_sent_total{sink}` of one of `eventSinks`.
    func invoiceEventsSent(sink: String) -> Counter {
        // Invariant: sinks are named from `eventSinks` only (`KafkaEventSink`, `WebhookEventSink`).
        guard let counter = eventsSent[sink] else { preconditionFailure("unknown event sink \(sink)") }
        return counter
    }

    /// `aura_invoice_event_failures_total{sink}` of one of `eventSinks`.
    func invoiceEventFailures(sink: String) -> Counter {
        // Invariant: as in `invoiceEventsSent(sink:)`.
        guard let counter = eventFailures[sink] else { preconditionFailure("unknown event sink \(sink)") }
        return counter
    }

    /// The counter of quarantined events for `topic` and `reason` (a decoder error code).
    func quarantined(topic: String, reason: String) -> Counter {
        perReason.withLock { cache in
            let key = topic + "\u{0}" + reason
            if let counter = cache[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: .aura("aura_events_quarantined_total", "Undecodable messages sent to quarantine"),
                labels: [("topic", topic), ("reason", reason)])
            cache[key] = counter
            return counter
        }
    }

    /// Lag, watermark and position gauges of one partition.
    func partition(_ tp: PartitionKey) -> PartitionMetrics {
        perPartition.withLock { cache in
            if let metrics = cache[tp] { return metrics }
            let labels = [("topic", tp.topic), ("partition", String(tp.partition))]
            let metrics = PartitionMetrics(
                lag: registry.makeGauge(
                    descriptor: .aura("aura_consumer_lag_messages", "High watermark minus next offset"), labels: labels),
                watermark: registry.makeGauge(
                    descriptor: .aura("aura_partition_watermark_seconds", "Highest event time seen (Unix seconds)"),
                    labels: labels),
                nextOffset: registry.makeGauge(
                    descriptor: .aura("aura_partition_next_offset", "Next offset to consume"), labels: labels)
            )
            cache[tp] = metrics
            return metrics
        }
    }

    /// Removes a partition's gauges (after it was revoked), so `/metrics` shows only the
    /// partitions this instance owns; they come back on the next assignment.
    func removePartition(_ tp: PartitionKey) {
        guard let metrics = perPartition.withLock({ $0.removeValue(forKey: tp) }) else { return }
        registry.unregisterGauge(metrics.lag)
        registry.unregisterGauge(metrics.watermark)
        registry.unregisterGauge(metrics.nextOffset)
    }

    /// The invoice-total gauge of one OB (in the currency's major unit; informational only, the
    /// invoice itself is fixed-point).
    func invoiceTotal(ob: String, currency: String) -> Gauge {
        perOB.withLock { cache in
            if let gauge = cache[ob] { return gauge }
            let gauge = registry.makeGauge(
                descriptor: .aura("aura_invoice_total", "Total of the OB's last closed invoice"),
                labels: [("ob", ob), ("currency", currency)])
            cache[ob] = gauge
            return gauge
        }
    }

    /// The text exposition (format 0.0.4).
    func render() -> [UInt8] {
        if let heap = HeapUsage.current() {
            heapInUse.set(to: Double(heap.inUse))
            heapFree.set(to: Double(heap.heldFree))
        }
        return registry.emitToBuffer()
    }
}

extension MetricNameDescriptor {
    /// A descriptor from a full metric name and its help text.
    static func aura(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
