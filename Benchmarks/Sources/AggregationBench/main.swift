// Plain timing driver for scripts/bench-aggregation.sh. Prints one line of JSON per run.
//
//   AggregationBench decode FILE        decode the fields aggregation reads (no aggregation)
//   AggregationBench aggregate FILE     decode + extract events + PartitionState.ingest
//   AggregationBench checkpoint DIR [KEYS] [ROWS]
//                                       build a state of KEYS dedup keys in ROWS aggregate rows
//                                       (untimed), then time CheckpointCodec.encode and
//                                       CheckpointStore.save (encode + write + fsync + rename) in DIR
import Aggregation
import Avro
import SyntheticAggregates
#if canImport(Glibc)
import Glibc
#endif

/// CPU time (user + system) of this process, in seconds.
func cpuTime() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Monotonic wall-clock time, in seconds.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: AggregationBench decode|aggregate FILE | checkpoint DIR [KEYS] [ROWS]")
    exit(2)
}
let mode = arguments[1]
do {
    switch mode {
    case "decode", "aggregate":
        let path = arguments[2]
        let file = try AvroContainerReader(path: path)
        let extractor = try AuditEventExtractor()
        let decoder = try extractor.decoder(writer: file.writerSchema)
        var values = AvroValues(count: decoder.fieldCount)
        var state = PartitionState(zones: try OBTimeZones(OBTimeZones.datagenZones))
        let source = state.source(PartitionKey(topic: path, partition: 0))
        let start = now()
        let cpuStart = cpuTime()
        var records = 0
        var touched = 0
        if mode == "decode" {
            // The decoder's own work over the same projection; touch a slot so nothing is elided.
            try file.forEachRecord(decoder: decoder, values: &values) { values in
                touched &+= values.bytes(0).count
                records += 1
            }
        } else {
            try file.forEachRecord(decoder: decoder, values: &values) { values in
                do {
                    // As the daemon does: a record that cannot be placed is quarantined, not fatal.
                    try state.ingest(try extractor.event(values), source: source)
                    state.markConsumed(source: source, offset: Int64(records))
                } catch {
                    state.recordQuarantined(source: source, offset: Int64(records))
                }
                records += 1
            }
            touched = state.auditRows.count
        }
        let seconds = now() - start
        let cpu = cpuTime() - cpuStart
        print(#"{"mode":"\#(mode)","records":\#(records),"check":\#(touched),"duplicates":\#(state.duplicates),"quarantined":\#(state.quarantined),"seconds":\#(seconds),"cpu_seconds":\#(cpu),"records_per_s":\#(Double(records) / seconds),"cpu_records_per_s":\#(Double(records) / cpu)}"#)
    case "checkpoint":
        let directory = arguments[2]
        let keys = arguments.count > 3 ? Int(arguments[3]) ?? 10_000_000 : 10_000_000
        let rows = arguments.count > 4 ? Int(arguments[4]) ?? 100_000 : 100_000
        let buildStart = now()
        let state = try SyntheticAggregates.state(keys: keys, rows: rows)
        let buildSeconds = now() - buildStart
        let encodeStart = now()
        let encoded = CheckpointCodec.encode(state)
        let encodeSeconds = now() - encodeStart
        let store = CheckpointStore(directory: directory, name: "bench")
        let saveStart = now()
        let saved = try store.save(state)
        let saveSeconds = now() - saveStart
        print(#"{"mode":"checkpoint","keys":\#(state.dedup.count),"rows":\#(state.auditRows.count),"bytes":\#(encoded.count),"file_bytes":\#(saved.bytes),"build_seconds":\#(buildSeconds),"encode_seconds":\#(encodeSeconds),"save_seconds":\#(saveSeconds)}"#)
    default:
        print("AggregationBench: unknown mode \(mode)")
        exit(2)
    }
} catch {
    print("AggregationBench: \(error)")
    exit(1)
}
