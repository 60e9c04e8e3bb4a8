// `AggregationBench incremental DIR FILE KEYS ROWS EVENTS CHECKPOINTS` (scripts/bench-checkpoint.sh):
// builds a state of KEYS dedup keys in ROWS rows (untimed), writes its base, then counts the
// records of FILE (an Aura_Audit container file, October) EVENTS at a time and checkpoints after
// each batch through CheckpointStore.encode (the consumer thread's part) and save (the writer
// thread's: append + fdatasync, or a base when the deltas outgrow half of it), CHECKPOINTS times.
// Prints one JSON line: bytes written per event against the events' own Avro bytes (the blocks'
// uncompressed data), checkpoint times, and the restore time of base + deltas against one full
// checkpoint of the same final state.
import Aggregation
import Avro
import BenchClock
import SyntheticAggregates

func incrementalRun(directory: String, file: String, keys: Int, rows: Int, events: Int, checkpoints: Int) throws {
    var state = try SyntheticAggregates.state(keys: keys, rows: rows)
    let zones = state.zones
    let store = CheckpointStore(directory: directory + "/chain", name: "bench")
    let baseStart = BenchClock.now()
    let base = store.encode(&state)
    let baseEncode = BenchClock.now() - baseStart
    try store.save(base)
    let baseSeconds = BenchClock.now() - baseStart

    let reader = try AvroContainerReader(path: file)
    let extractor = try AuditEventExtractor()
    let decoder = try extractor.decoder(writer: reader.writerSchema)
    var values = AvroValues(count: decoder.fieldCount)
    var dates = EventTime.DateCache()
    let source = state.source(PartitionKey(topic: "aura.audit", partition: 0))
    var offset: Int64 = 0
    var avroBytes = 0
    var sinceCheckpoint = 0
    var consumerMs: [Double] = []
    var writerMs: [Double] = []
    var written = 0
    var bases = 0
    var deltaBytes = 0
    var deltas = 0
    var counted = 0
    struct Done: Error {}
    do {
        try reader.forEachBlockOfRecords { block in
            avroBytes += block.data.count
            try block.checkCount(for: decoder)
            for _ in 0..<block.count {
                try block.decodeRecord(decoder, into: &values)
                do {
                    try state.ingest(try extractor.event(values, dates: &dates), source: source)
                } catch {
                    state.recordQuarantined(source: source)
                }
                state.markConsumed(source: source, offset: offset)
                offset += 1
                sinceCheckpoint += 1
                if sinceCheckpoint == events {
                    let t0 = BenchClock.now()
                    let encoded = store.encode(&state)
                    let t1 = BenchClock.now()
                    let saved = try store.save(encoded)
                    let t2 = BenchClock.now()
                    consumerMs.append((t1 - t0) * 1_000)
                    writerMs.append((t2 - t1) * 1_000)
                    written += saved.bytes
                    if encoded.isDelta {
                        deltas += 1
                        deltaBytes += saved.bytes
                    } else {
                        bases += 1
                    }
                    counted += sinceCheckpoint
                    sinceCheckpoint = 0
                    if consumerMs.count == checkpoints { throw Done() }
                }
            }
            try block.checkEnd()
        }
    } catch is Done {}
    // Avro bytes per event over the blocks read (the last one only partly counted: an estimate).
    let avroPerEvent = Double(avroBytes) / Double(max(1, offset))

    // Restores in turn, three times each (the best of each counts): the order and the page cache
    // favour neither.
    let full = CheckpointStore(directory: directory + "/full", name: "bench")
    let fullSaved = try full.save(state)
    var chainLoad = Double.infinity
    var fullLoad = Double.infinity
    // CPU time of this thread too: on a shared machine the wall clock measures the neighbours.
    var chainCPU = Double.infinity
    var fullCPU = Double.infinity
    var loaded: CheckpointStore.Loaded?
    var fullLoaded: CheckpointStore.Loaded?
    for _ in 0..<3 {
        loaded = nil
        let chainStart = BenchClock.now()
        let chainCPUStart = BenchClock.threadCPUTime()
        loaded = try store.load(zones: zones)
        chainLoad = min(chainLoad, BenchClock.now() - chainStart)
        chainCPU = min(chainCPU, BenchClock.threadCPUTime() - chainCPUStart)
        loaded = nil
        fullLoaded = nil
        let fullStart = BenchClock.now()
        let fullCPUStart = BenchClock.threadCPUTime()
        fullLoaded = try full.load(zones: zones)
        fullLoad = min(fullLoad, BenchClock.now() - fullStart)
        fullCPU = min(fullCPU, BenchClock.threadCPUTime() - fullCPUStart)
        fullLoaded = nil
    }
    loaded = try store.load(zones: zones)
    fullLoaded = try full.load(zones: zones)
    guard let loaded, let fullLoaded else { throw AggregationError(.corrupt, "no restore") }
    guard loaded.state.dedup.count == state.dedup.count, fullLoaded.state.dedup.count == state.dedup.count,
        loaded.state.auditRows == state.auditRows, loaded.state.stats == state.stats
    else { throw AggregationError(.corrupt, "the restored state differs from the live one") }

    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let sorted = xs.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
    }
    let totals = zip(consumerMs, writerMs).map { $0 + $1 }
    print(
        #"{"mode":"incremental","keys":\#(keys),"rows":\#(state.auditRows.count),"events_per_checkpoint":\#(events),"checkpoints":\#(consumerMs.count),"events":\#(counted),"avro_bytes_per_event":\#(avroPerEvent),"base_bytes":\#(base.bytes.count),"base_encode_seconds":\#(baseEncode),"base_seconds":\#(baseSeconds),"bytes_written":\#(written),"bytes_per_event":\#(Double(written) / Double(max(1, counted))),"delta_bytes_per_event":\#(Double(deltaBytes) / Double(max(1, counted))),"deltas":\#(deltas),"bases_rewritten":\#(bases),"consumer_ms_p50":\#(percentile(consumerMs, 0.5)),"consumer_ms_max":\#(consumerMs.max() ?? 0),"writer_ms_p50":\#(percentile(writerMs, 0.5)),"checkpoint_ms_p50":\#(percentile(totals, 0.5)),"checkpoint_ms_p99":\#(percentile(totals, 0.99)),"restore_deltas":\#(loaded.deltas),"restore_chain_seconds":\#(chainLoad),"full_bytes":\#(fullSaved.bytes),"restore_full_seconds":\#(fullLoad),"restore_chain_cpu_seconds":\#(chainCPU),"restore_full_cpu_seconds":\#(fullCPU)}"#
    )
}

/// `AggregationBench restore DIR [REPEATS] [ONLY]`: loads DIR/chain (base + deltas) and DIR/full
/// (one full checkpoint), as an `incremental` run left them, REPEATS times each in turn, and
/// prints the best wall and thread CPU time of each (for profiling the restore alone; ONLY
/// `chain` or `full` loads just that one).
func restoreRun(directory: String, repeats: Int, only: String? = nil) throws {
    let zones = try OBTimeZones(OBTimeZones.datagenZones)
    let chain = CheckpointStore(directory: directory + "/chain", name: "bench")
    let full = CheckpointStore(directory: directory + "/full", name: "bench")
    var best = (chain: Double.infinity, full: Double.infinity, chainCPU: Double.infinity, fullCPU: Double.infinity)
    var deltas = 0
    var keys = 0
    for _ in 0..<max(1, repeats) {
        var start = BenchClock.now()
        var cpuStart = BenchClock.threadCPUTime()
        var loaded: CheckpointStore.Loaded? = only == "full" ? nil : try chain.load(zones: zones)
        best.chain = min(best.chain, BenchClock.now() - start)
        best.chainCPU = min(best.chainCPU, BenchClock.threadCPUTime() - cpuStart)
        deltas = loaded?.deltas ?? deltas
        keys = loaded?.state.dedup.count ?? keys
        loaded = nil
        start = BenchClock.now()
        cpuStart = BenchClock.threadCPUTime()
        loaded = only == "chain" ? nil : try full.load(zones: zones)
        best.full = min(best.full, BenchClock.now() - start)
        best.fullCPU = min(best.fullCPU, BenchClock.threadCPUTime() - cpuStart)
        keys = loaded?.state.dedup.count ?? keys
        loaded = nil
    }
    print(
        #"{"mode":"restore","keys":\#(keys),"restore_deltas":\#(deltas),"restore_chain_seconds":\#(best.chain),"restore_full_seconds":\#(best.full),"restore_chain_cpu_seconds":\#(best.chainCPU),"restore_full_cpu_seconds":\#(best.fullCPU)}"#
    )
}
