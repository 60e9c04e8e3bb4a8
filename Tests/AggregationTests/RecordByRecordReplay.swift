import Avro

@testable import Aggregation

/// The replay as it was before block batching, kept as the oracle of `ReplayTests`: every
/// record decoded, counted with the single-event `ingest` and followed by the close check, in
/// memory (no checkpoints).
enum RecordByRecordReplay {
    static func run(files: [String], zones: OBTimeZones, graceMs: Int64?) throws -> PartitionState {
        var state = PartitionState(zones: zones)
        let audit = try AuditEventExtractor()
        let gateway = try GatewayEventExtractor()
        let allFiles = files.map { PartitionKey(topic: $0, partition: 0) }
        var finished: Set<String> = []
        var statsSeen = -1
        var closeDue = Int64.min
        for path in files {
            defer { finished.insert(path) }
            let source = state.source(PartitionKey(topic: path, partition: 0))
            let reader = try AvroContainerReader(path: path)
            let isAudit = (try? audit.decoder(writer: reader.writerSchema)) != nil
            let decoder =
                isAudit
                ? try audit.decoder(writer: reader.writerSchema) : try gateway.decoder(writer: reader.writerSchema)
            var values = AvroValues(count: decoder.fieldCount)
            var index: Int64 = 0
            try reader.forEachRecord(decoder: decoder, values: &values) { values in
                let record = index
                index += 1
                do {
                    if isAudit {
                        try state.ingest(try audit.event(values), source: source)
                    } else {
                        try state.ingest(try gateway.event(values), source: source)
                    }
                    state.markConsumed(source: source, offset: record)
                } catch {
                    state.recordQuarantined(source: source, offset: record)
                }
                if let grace = graceMs,
                    state.stats.count != statsSeen || state.partitions[source].watermarkMs >= closeDue
                {
                    let done = finished
                    state.closeReadyPeriods(
                        graceMs: grace, nowMs: .max, assigned: allFiles, isIdle: { done.contains($0.topic) })
                    statsSeen = state.stats.count
                    closeDue = state.nextCloseDueMs(graceMs: grace)
                }
            }
        }
        return state
    }
}
