// Plain timing driver for scripts/bench-aggregation.sh. Prints one line of JSON per run.
//
//   AggregationBench decode FILE        decode the fields aggregation reads (no aggregation)
//   AggregationBench aggregate FILE     decode + extract events + PartitionState.ingest, one
//                                       batch per container block (the batched API)
//   AggregationBench aggregate-single FILE
//                                       the same, one PartitionState.ingest call per event
//   AggregationBench checkpoint DIR [KEYS] [ROWS]
//                                       build a state of KEYS dedup keys in ROWS aggregate rows
//                                       (untimed), then time CheckpointCodec.encode,
//                                       encode + CheckpointStore.save(encoded:) (write + fsync +
//                                       rename) in DIR, and loading it back
//   AggregationBench load DIR [NAME]    time loading the newest checkpoint NAME in DIR
//   AggregationBench incremental DIR FILE KEYS ROWS EVENTS CHECKPOINTS
//                                       incremental checkpoints of a KEYS-key state every EVENTS
//                                       records of FILE (IncrementalBench.swift)
//   AggregationBench restore DIR [REPEATS] [chain|full]
//                                       time restoring DIR/chain (base + deltas) against DIR/full
//                                       (one full checkpoint) as `incremental DIR …` left them
//   AggregationBench aggregate-tracked FILE
//                                       `aggregate` with change tracking on (the dedup key log an
//                                       incremental checkpoint reads), reset every 100,000 records
//
// All three record modes share one block loop (decode every record of a block, then hand it on),
// so the only difference between them is what is done with the records.
import Aggregation
import Avro
import BenchClock
import SyntheticAggregates

#if canImport(Glibc)
    import Glibc
#endif

/// What one pass over the file did.
struct Pass {
    var records = 0
    var check = 0
    var duplicates: Int64 = 0
    var quarantined: Int64 = 0
}

/// Decodes every record of `path`, block by block: `record` gets each record's values, and
/// `blockDone` runs after a block's last record, while the block's buffer (which the values
/// point into) is still alive.
func forEachBlockOfRecords(
    _ path: String, record: (borrowing AvroValues) throws -> Void, blockDone: () throws -> Void
) throws {
    let file = try AvroContainerReader(path: path)
    let extractor = try AuditEventExtractor()
    let decoder = try extractor.decoder(writer: file.writerSchema)
    var values = AvroValues(count: decoder.fieldCount)
    // As the daemon's replay decodes: on the ASCII fast path where a block is all ASCII.
    try file.forEachBlockOfRecords { block in
        try block.checkCount(for: decoder)
        for _ in 0..<block.count {
            try block.decodeRecord(decoder, into: &values)
            try record(values)
        }
        try block.checkEnd()
        try blockDone()
    }
}

/// Decoding alone: touch one slot per record so nothing is elided.
func decodePass(_ path: String) throws -> Pass {
    var pass = Pass()
    try forEachBlockOfRecords(
        path,
        record: { values in
            pass.check &+= values.bytes(0).count
            pass.records += 1
        }, blockDone: {})
    return pass
}

/// Decode + aggregate, as the daemon does per message: a record that cannot be placed is
/// quarantined, not fatal.
func aggregatePass(_ path: String, batched: Bool, tracked: Bool = false) throws -> Pass {
    let extractor = try AuditEventExtractor()
    var state = PartitionState(zones: try OBTimeZones(OBTimeZones.datagenZones))
    let source = state.source(PartitionKey(topic: path, partition: 0))
    var records = 0
    var events: [AuditEvent] = []
    var outcomes: [Result<PartitionState.Outcome, AggregationError>] = []
    var dates = EventTime.DateCache()
    if tracked { state.markCheckpointed(chain: 1, sequence: 0) }
    var tracedSince = 0
    try forEachBlockOfRecords(
        path,
        record: { values in
            do {
                let event = try extractor.event(values, dates: &dates)
                if batched {
                    events.append(event)  // its buffers live until the block is done
                } else {
                    try state.ingest(event, source: source)
                    state.markConsumed(source: source, offset: Int64(records))
                }
            } catch {
                state.recordQuarantined(source: source, offset: Int64(records))
            }
            records += 1
        },
        blockDone: {
            guard batched else { return }
            state.ingest(events, source: source, outcomes: &outcomes)
            for case .failure in outcomes { state.recordQuarantined(source: source) }
            state.markConsumed(source: source, offset: Int64(records - 1))
            tracedSince += events.count
            if tracked && tracedSince >= 100_000 {
                state.markCheckpointed(chain: 1, sequence: 0)  // what a checkpoint does to the log
                tracedSince = 0
            }
            events.removeAll(keepingCapacity: true)
        })
    return Pass(
        records: records, check: state.auditRows.count, duplicates: state.duplicates, quarantined: state.quarantined)
}

/// The alternative the daemon does not use: hand a copy-on-write value snapshot of the state
/// to the writer thread to encode there. The consumer's next event then copies the tables it
/// writes to. Returns the seconds from taking the snapshot to the first event counted after
/// it, to compare with encoding on the consumer thread (what the daemon does).
func snapshotPause(_ state: PartitionState) throws -> Double {
    var live = state
    let source = live.source(PartitionKey(topic: "aura.audit", partition: 0))
    let start = BenchClock.now()
    let snapshot = live  // handed to the writer thread
    let interaction = Array("pause-interaction".utf8)
    let component = Array("COMP-PAUSE".utf8)
    let ob = Array("ESP".utf8)
    _ = try interaction.withUnsafeBytes { i in
        try component.withUnsafeBytes { c in
            try ob.withUnsafeBytes { o in
                // The buffers live for this call only; the event does not escape it.
                try live.ingest(
                    AuditEvent(
                        interactionID: i, componentID: c, ob: o, app: nil, service: 0,
                        timeMs: 1_792_000_000_000), source: source)
            }
        }
    }
    let pause = BenchClock.now() - start
    withExtendedLifetime(snapshot) {}
    return pause
}

func checkpointRun(directory: String, keys: Int, rows: Int) throws {
    let buildStart = BenchClock.now()
    let state = try SyntheticAggregates.state(keys: keys, rows: rows)
    let buildSeconds = BenchClock.now() - buildStart
    let encodeStart = BenchClock.now()
    let encodeCPUStart = BenchClock.cpuTime()
    let encoded = CheckpointCodec.encode(state)
    let encodeSeconds = BenchClock.now() - encodeStart
    let encodeCPU = BenchClock.cpuTime() - encodeCPUStart
    let store = CheckpointStore(directory: directory, name: "bench")
    // Timed as the daemon's writer does it: encode, then save the bytes (write + fsync + rename).
    let saveStart = BenchClock.now()
    let saveCPUStart = BenchClock.cpuTime()
    let bytes = CheckpointCodec.encode(state)
    let writeStart = BenchClock.now()
    let saved = try store.save(encoded: bytes)
    let writeSeconds = BenchClock.now() - writeStart
    let saveSeconds = BenchClock.now() - saveStart
    let saveCPU = BenchClock.cpuTime() - saveCPUStart
    // Loading: read, verify the checksum, rebuild the dedup table and the row indexes.
    let loadStart = BenchClock.now()
    let loaded = try store.load(zones: try OBTimeZones(OBTimeZones.datagenZones))
    let loadSeconds = BenchClock.now() - loadStart
    guard loaded.state.dedup.count == state.dedup.count, loaded.state.auditRows == state.auditRows else {
        throw AggregationError(.corrupt, "the loaded checkpoint differs from the saved state")
    }
    let pause = try snapshotPause(state)
    let perKey = Double(encoded.count) / Double(max(1, state.dedup.count))
    print(
        #"{"mode":"checkpoint","cow_snapshot_pause_seconds":\#(pause),"keys":\#(state.dedup.count),"rows":\#(state.auditRows.count),"bytes":\#(encoded.count),"file_bytes":\#(saved.bytes),"bytes_per_key":\#(perKey),"build_seconds":\#(buildSeconds),"encode_seconds":\#(encodeSeconds),"encode_cpu_seconds":\#(encodeCPU),"write_seconds":\#(writeSeconds),"save_seconds":\#(saveSeconds),"save_cpu_seconds":\#(saveCPU),"load_seconds":\#(loadSeconds)}"#
    )
}

func main() -> Int32 {
    let arguments = CommandLine.arguments
    guard arguments.count >= 3 else {
        print(
            "usage: AggregationBench decode|aggregate|aggregate-single FILE | checkpoint DIR [KEYS] [ROWS] | load DIR [NAME]"
        )
        return 2
    }
    let mode = arguments[1]
    do {
        switch mode {
        case "decode", "aggregate", "aggregate-single", "aggregate-tracked":
            let start = BenchClock.now()
            let cpuStart = BenchClock.cpuTime()
            let threadStart = BenchClock.threadCPUTime()
            let pass =
                mode == "decode"
                ? try decodePass(arguments[2])
                : try aggregatePass(
                    arguments[2], batched: mode != "aggregate-single", tracked: mode == "aggregate-tracked")
            let seconds = BenchClock.now() - start
            let cpu = BenchClock.cpuTime() - cpuStart
            // This thread decodes (and aggregates); the reader's thread reads and inflates blocks.
            let threadCPU = BenchClock.threadCPUTime() - threadStart
            let records = pass.records
            print(
                #"{"mode":"\#(mode)","records":\#(records),"check":\#(pass.check),"duplicates":\#(pass.duplicates),"quarantined":\#(pass.quarantined),"seconds":\#(seconds),"cpu_seconds":\#(cpu),"thread_cpu_seconds":\#(threadCPU),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / cpu)}"#
            )
        case "checkpoint":
            let keys = arguments.count > 3 ? Int(arguments[3]) ?? 10_000_000 : 10_000_000
            let rows = arguments.count > 4 ? Int(arguments[4]) ?? 100_000 : 100_000
            try checkpointRun(directory: arguments[2], keys: keys, rows: rows)
        case "incremental":
            guard arguments.count >= 8, let keys = Int(arguments[4]), let rows = Int(arguments[5]),
                let events = Int(arguments[6]), let checkpoints = Int(arguments[7])
            else {
                print("usage: AggregationBench incremental DIR FILE KEYS ROWS EVENTS CHECKPOINTS")
                return 2
            }
            try incrementalRun(
                directory: arguments[2], file: arguments[3], keys: keys, rows: rows, events: events,
                checkpoints: checkpoints)
        case "restore":
            try restoreRun(
                directory: arguments[2], repeats: arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5,
                only: arguments.count > 4 ? arguments[4] : nil)
        case "load":
            // Times loading the newest checkpoint named NAME (default "bench") in DIR, whatever
            // its format version (e.g. one written by an older build).
            let store = CheckpointStore(directory: arguments[2], name: arguments.count > 3 ? arguments[3] : "bench")
            let start = BenchClock.now()
            let loaded = try store.load(zones: try OBTimeZones(OBTimeZones.datagenZones))
            let seconds = BenchClock.now() - start
            print(
                #"{"mode":"load","keys":\#(loaded.state.dedup.count),"rows":\#(loaded.state.auditRows.count),"load_seconds":\#(seconds)}"#
            )
        default:
            print("AggregationBench: unknown mode \(mode)")
            return 2
        }
    } catch {
        print("AggregationBench: \(error)")
        return 1
    }
    return 0
}

exit(main())
