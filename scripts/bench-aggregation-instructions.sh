#!/usr/bin/env bash
# Aggregation's cost over decoding alone, counted in executed instructions (deterministic).
#
# Wall and CPU times on a shared virtual machine move by ±20 % from run to run (steal time,
# neighbours' memory traffic), which hides changes of a few percent. Instruction counts do not
# move: this runs Benchmarks/AggregationBench `decode` and `aggregate` (the batched path) over
# the same file under valgrind's cachegrind (no cache simulation) and prints both totals, the
# instructions aggregation adds per record and the ratio aggregate/decode. Instructions are not
# time — cache and TLB misses of the dedup table cost time and no instructions — so this
# complements scripts/bench-aggregation.sh, it does not replace it.
#
#   scripts/bench-aggregation-instructions.sh [RECORDS] [BASELINE_BINARY]
#       RECORDS          records in the generated Aura_Audit file (default 2000000, deflate)
#       BASELINE_BINARY  another AggregationBench build to count too (e.g. one built from an
#                        older commit), printed beside this tree's
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS="${1:-2000000}"
BASELINE="${2:-}"
WORK="${BENCH_WORK:-.build-bench}"
mkdir -p "$WORK"

if ! command -v valgrind >/dev/null; then
    echo "== installing valgrind" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq valgrind >&2; else sudo apt-get install -y -qq valgrind >&2; fi
fi

. scripts/lib/aggregation-bench.sh
FILE="$(aggregation_audit_file "$RECORDS")"
BIN="$(aggregation_bench_binary)"

# Prints the instructions executed by `$1 $2 FILE` (all threads).
count() {
    local out="$WORK/cachegrind.$$"
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" "$1" "$2" "$FILE" 2>&1 >/dev/null \
        | sed -n -E 's/.*I +refs: +([0-9,]+).*/\1/p' | tr -d ,
    rm -f "$out"
}

report() {
    local label="$1" bin="$2"
    echo "== counting $label (decode, then aggregate; about a minute each)" >&2
    local dec agg
    dec=$(count "$bin" decode)
    agg=$(count "$bin" aggregate)
    python3 - "$label" "$RECORDS" "$dec" "$agg" <<'PY'
import sys
label, records, dec, agg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"{label}: decode {dec / 1e9:.2f} G instructions ({dec / records:,.0f}/record), "
      f"decode + aggregate {agg / 1e9:.2f} G ({agg / records:,.0f}/record); "
      f"aggregation adds {(agg - dec) / records:,.0f}/record, ratio {agg / dec:.2f}x (goal for time: <= 1.30x)")
PY
}

report "this tree" "$BIN"
if [ -n "$BASELINE" ]; then report "baseline $BASELINE" "$BASELINE"; fi
