#!/usr/bin/env bash
# Incremental checkpoints at scale (issue 17): for each state size in KEYS_LIST, builds a state of
# that many dedup keys (untimed), writes its base, then counts the records of a generated
# Aura_Audit file (October) EVENTS at a time and checkpoints after each batch as the daemon does
# (CheckpointStore.encode on the counting thread, save = append + fdatasync), CHECKPOINTS times.
# Prints, per size: bytes written per counted event (deltas and any base rewritten) against the
# events' own Avro bytes (goal ≤ 5×), the checkpoint time after EVENTS new events (goal < 20 ms
# at 10M keys), and the restore time of base + deltas against one full checkpoint of the same
# final state (goal: no slower).
#
#   scripts/bench-checkpoint.sh [KEYS_LIST] [EVENTS] [CHECKPOINTS] [RECORDS]
#                               (default "1000000 10000000" 10000 40 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS_LIST="${1:-1000000 10000000}"; EVENTS="${2:-10000}"; CHECKPOINTS="${3:-40}"; RECORDS="${4:-1000000}"
WORK="${BENCH_WORK:-.build-bench}"
mkdir -p "$WORK"
. scripts/lib/aggregation-bench.sh
FILE="$(aggregation_audit_file "$RECORDS")"
BIN="$(aggregation_bench_binary)"
RESULTS="$WORK/checkpoint-results.jsonl"
: > "$RESULTS"
for keys in $KEYS_LIST; do
    DIR="$WORK/incremental-bench"
    rm -rf "$DIR"
    "$BIN" incremental "$DIR" "$FILE" "$keys" 100000 "$EVENTS" "$CHECKPOINTS" >> "$RESULTS"
    rm -rf "$DIR"
done
python3 - "$RESULTS" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    ratio = r["bytes_per_event"] / r["avro_bytes_per_event"]
    print(f'{r["keys"]:>10,} keys: {r["checkpoints"]} checkpoints of {r["events_per_checkpoint"]:,} events '
          f'({r["deltas"]} deltas, {r["bases_rewritten"]} bases rewritten); base {r["base_bytes"] / 1e6:.1f} MB '
          f'in {r["base_seconds"]:.2f} s (encode {r["base_encode_seconds"]:.2f} s)')
    print(f'    bytes written per event {r["bytes_per_event"]:.1f} (deltas alone {r["delta_bytes_per_event"]:.1f}) '
          f'vs {r["avro_bytes_per_event"]:.1f} Avro bytes: {ratio:.2f}x (goal <= 5x)')
    print(f'    checkpoint after {r["events_per_checkpoint"]:,} events: p50 {r["checkpoint_ms_p50"]:.1f} ms '
          f'(consumer {r["consumer_ms_p50"]:.2f} ms, max {r["consumer_ms_max"]:.1f}; writer {r["writer_ms_p50"]:.1f} ms), '
          f'p99 {r["checkpoint_ms_p99"]:.1f} ms (goal < 20 ms at 10M keys)')
    print(f'    restore: base + {r["restore_deltas"]} deltas {r["restore_chain_seconds"]:.2f} s, '
          f'one full checkpoint of the same state ({r["full_bytes"] / 1e6:.1f} MB) {r["restore_full_seconds"]:.2f} s '
          f'(ratio {r["restore_chain_seconds"] / r["restore_full_seconds"]:.2f}, goal <= 1); '
          f'CPU {r["restore_chain_cpu_seconds"]:.2f} s vs {r["restore_full_cpu_seconds"]:.2f} s '
          f'(ratio {r["restore_chain_cpu_seconds"] / r["restore_full_cpu_seconds"]:.2f})')
PY
