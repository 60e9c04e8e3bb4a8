#!/usr/bin/env bash
# Aggregation cost against decoding alone, and checkpoint time at scale.
#
# 1. On one Aura_Audit container file (RECORDS records, deflate; generated once by the datagen),
#    Benchmarks/AggregationBench decodes the fields aggregation reads ("decode"), decodes +
#    extracts + ingests into a PartitionState one batch per block ("aggregate", the batched
#    `ingest(_:source:outcomes:)`) and one event at a time ("aggregate-single", `ingest(_:source:)`),
#    in turn, REPEATS times each. Prints the best records/s of each and the overhead of
#    aggregation over decoding alone by wall clock (the goal: at most +30%; best of runs and the
#    median over runs paired in turn), and by CPU time: of both threads (the container reader
#    inflates on a second thread in every mode) and of the decoding thread alone.
# 2. Builds a state of KEYS dedup keys in ROWS aggregate rows (untimed) and times
#    CheckpointCodec.encode, and encode + CheckpointStore.save(encoded:) (write + fsync + rename)
#    (goal: < 2 s).
#
#   scripts/bench-aggregation.sh [RECORDS] [REPEATS] [KEYS] [ROWS]
#                                (default 2000000 3 10000000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-2000000}"; REPEATS="${2:-3}"; KEYS="${3:-10000000}"; ROWS="${4:-100000}"
WORK="${BENCH_WORK:-.build-bench}"
mkdir -p "$WORK"

# --- data and driver -----------------------------------------------------------------------------
. scripts/lib/aggregation-bench.sh
FILE="$(aggregation_audit_file "$RECORDS")"
BIN="$(aggregation_bench_binary)"

# --- runs ----------------------------------------------------------------------------------------
RESULTS="$WORK/aggregation-results.jsonl"
: > "$RESULTS"
for i in $(seq "$REPEATS"); do
    "$BIN" decode "$FILE" >> "$RESULTS"
    "$BIN" aggregate "$FILE" >> "$RESULTS"
    "$BIN" aggregate-single "$FILE" >> "$RESULTS"
done
CKPT="$WORK/checkpoint-bench"
rm -rf "$CKPT"
"$BIN" checkpoint "$CKPT" "$KEYS" "$ROWS" >> "$RESULTS"
rm -rf "$CKPT"

# --- report --------------------------------------------------------------------------------------
python3 - "$RESULTS" "$FILE.truth.json" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))
def best(mode, key):
    return max(r[key] for r in rows if r["mode"] == mode)
records = next(r["records"] for r in rows if r["mode"] == "decode")
total = truth.get("total_records")
modes = ("decode", "aggregate", "aggregate-single")
if total is not None and any(r["records"] != total for r in rows if r["mode"] in modes):
    print(f"MISMATCH: records decoded != truth total_records {total}"); sys.exit(1)
for mode in modes[1:]:
    runs = [(r["check"], r["duplicates"], r["quarantined"]) for r in rows if r["mode"] == mode]
    if len(set(runs)) != 1 or runs[0] != next((r["check"], r["duplicates"], r["quarantined"]) for r in rows if r["mode"] == "aggregate"):
        print(f"MISMATCH: {mode} runs disagree on rows/duplicates/quarantined: {runs}"); sys.exit(1)
dec, dec_cpu = best("decode", "records_per_s"), best("decode", "cpu_records_per_s")
print(f"{records} records (best of runs)")
print(f"  decode only                 {dec / 1e6:7.2f} M records/s   (CPU {dec_cpu / 1e6:.2f} M/s)")
def runs(mode):
    return [r for r in rows if r["mode"] == mode]
def least(mode, key):
    return min(r[key] for r in runs(mode))
def median(values):
    values = sorted(values)
    return (values[(len(values) - 1) // 2] + values[len(values) // 2]) / 2
print(f"    decoding thread CPU {least('decode', 'thread_cpu_seconds'):.3f} s; reading + inflating thread "
      f"{least('decode', 'cpu_seconds') - least('decode', 'thread_cpu_seconds'):.3f} s")
for mode, label in (("aggregate", "decode + aggregate (batch)"), ("aggregate-single", "decode + aggregate (single)")):
    agg, agg_cpu = best(mode, "records_per_s"), best(mode, "cpu_records_per_s")
    print(f"  {label:27} {agg / 1e6:7.2f} M records/s   (CPU {agg_cpu / 1e6:.2f} M/s)")
    # Runs alternate decode / aggregate / aggregate-single: pair each with the decode run before it.
    paired = [a["seconds"] / d["seconds"] for d, a in zip(runs("decode"), runs(mode))]
    paired_cpu = [a["cpu_seconds"] / d["cpu_seconds"] for d, a in zip(runs("decode"), runs(mode))]
    print(f"    aggregation overhead, wall clock (goal: at most +30%): +{100 * (dec / agg - 1):.0f}% best of runs, "
          f"+{100 * (median(paired) - 1):.0f}% median of paired runs")
    print(f"    CPU time, both threads: +{100 * (dec_cpu / agg_cpu - 1):.0f}% best, +{100 * (median(paired_cpu) - 1):.0f}% median; "
          f"decoding thread alone {least(mode, 'thread_cpu_seconds'):.3f} s "
          f"(+{100 * (least(mode, 'thread_cpu_seconds') / least('decode', 'thread_cpu_seconds') - 1):.0f}%)")
dups = next(r["duplicates"] for r in rows if r["mode"] == "aggregate")
if "duplicates_dropped" in truth and dups != truth["duplicates_dropped"]:
    print(f"MISMATCH: {dups} duplicates, truth says {truth['duplicates_dropped']}"); sys.exit(1)
for r in rows:
    if r["mode"] == "checkpoint":
        print(f"checkpoint of {r['keys']} dedup keys + {r['rows']} aggregate rows ({r['bytes'] / 1e6:.0f} MB, "
              f"{r['bytes_per_key']:.1f} bytes/key; state built in {r['build_seconds']:.1f} s, untimed)")
        print(f"  encode                                 {r['encode_seconds']:.2f} s   (CPU {r['encode_cpu_seconds']:.2f} s)")
        print(f"  save(encoded:) (write + fsync + rename) {r['write_seconds']:.2f} s")
        print(f"  encode + save                          {r['save_seconds']:.2f} s   (CPU {r['save_cpu_seconds']:.2f} s; goal < 2 s)")
        print(f"  load (read + checksum + rebuild)       {r['load_seconds']:.2f} s")
        print(f"  consumer-thread pause per checkpoint   {r['encode_seconds']:.2f} s   (the daemon encodes on its consumer "
              f"thread; write + fsync + rename run on its writer thread)")
        print(f"    rejected: copy-on-write snapshot     {r['cow_snapshot_pause_seconds']:.2f} s   (snapshot to the writer thread, "
              f"then the consumer's next event copies the tables)")
PY
