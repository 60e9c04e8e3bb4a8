#!/usr/bin/env bash
# The reliability suite (issue 9): runs the real daemon against the embedded broker under crashes,
# broker faults, bad input, damaged or unwritable state, a full disk and hostile HTTP, then prints
# one line per scenario. Every scenario must end with 0 mismatches (aggregates vs the generator's
# totals, invoice bytes vs an uninterrupted run, quarantine reasons vs the corpus' kinds).
#   scripts/reliability.sh [--long] [--skip-build]
#     --long        100 kill points in crash-anywhere, bigger months (~100k events) elsewhere, and
#                   1M libFuzzer runs over the frame decoder (scripts/fuzz-avro.sh) and over the
#                   checkpoint and changelog decoders (scripts/fuzz-state.sh), each its own ASan
#                   build in .build-fuzz; their lines: runs = executions, faults = crashes
#     --skip-build  use the existing debug build (the fuzz harness is still built when needed)
# Needs root (chattr +i, mount -t tmpfs); without it those scenarios are skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

long=0
build=1
for arg in "$@"; do
    case "$arg" in
        --long) long=1 ;;
        --skip-build) build=0 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

if [ "$build" = 1 ]; then
    source scripts/bootstrap.sh
    echo "== build (debug, with tests)" >&2
    swift build --build-tests 2>&1 | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
fi

report=$(mktemp)
log=$(mktemp)
trap 'rm -f "$report" "$log"' EXIT
echo "== swift test --filter 'Reliability|FrameDecoderTests'$([ "$long" = 1 ] && echo ' (long)')" >&2
status=0
AURA_RELIABILITY_REPORT="$report" AURA_RELIABILITY_LONG="$long" \
    swift test --skip-build --no-parallel --filter 'Reliability|FrameDecoderTests' >"$log" 2>&1 || status=$?
grep -E "^(✔|✘|􁁛|􀢄|.*(passed|failed) after)" "$log" | tail -n 30 >&2 || true

# Long run: one million libFuzzer executions over the frame decoder (and the body decoder, schema
# parser and container reader the harness also targets), and one million over the checkpoint and
# changelog decoders. runs = executions, faults = crashes,
# timeouts and OOMs (each leaves an artifact), mismatches = faults, or 1 if the fuzzer failed
# without one.
fuzz() {  # name script description
    local fuzz_runs=1000000 fuzz_log fuzz_status=0 done_runs faults mismatches
    fuzz_log=$(mktemp)
    echo "== $2 $fuzz_runs" >&2
    FUZZ_WORK="${FUZZ_WORK:-.build-fuzz}" "$2" "$fuzz_runs" >"$fuzz_log" 2>&1 || fuzz_status=$?
    done_runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$fuzz_log" | tail -n 1)
    [ -n "$done_runs" ] || done_runs=$(sed -n 's/^#\([0-9]*\)\t.*/\1/p' "$fuzz_log" | tail -n 1)
    faults=$(grep -c -E "Test unit written to" "$fuzz_log" || true)
    mismatches=$faults
    if [ "$fuzz_status" != 0 ] && [ "$faults" = 0 ]; then mismatches=1; fi
    printf '%s\t%s\t%s\t%s\t-\t-\t-\t%s\t%s (exit %s)\n' \
        "$1" "${done_runs:-0}" "$faults" "${done_runs:-0}" "$mismatches" "$3" "$fuzz_status" >>"$report"
    grep -E "^Done|ERROR|Test unit written|deadly signal" "$fuzz_log" | head -n 20 >&2 || true
    rm -f "$fuzz_log"
}
if [ "$long" = 1 ]; then
    fuzz fuzz-frame-decoder scripts/fuzz-avro.sh "libFuzzer+ASan executions over frames, bodies, schemas, containers"
    fuzz fuzz-state-decoders scripts/fuzz-state.sh "libFuzzer+ASan executions over checkpoints, changelog manifests and values"
fi

printf '%-28s %7s %7s %10s %10s %11s %12s %11s\n' scenario runs faults events_in billed duplicates quarantined mismatches
sort "$report" | while IFS=$'\t' read -r scenario runs faults events billed duplicates quarantined mismatches detail; do
    printf '%-28s %7s %7s %10s %10s %11s %12s %11s\n' "$scenario" "$runs" "$faults" "$events" "$billed" "$duplicates" "$quarantined" "$mismatches"
done
sort "$report" | awk -F'\t' '$9 != "" { printf "  %s: %s\n", $1, $9 }'

bad=$(awk -F'\t' '$8 != 0' "$report" | wc -l)
if [ "$status" != 0 ] || [ "$bad" != 0 ] || [ ! -s "$report" ]; then
    echo "reliability suite FAILED (swift test exit $status, scenarios with mismatches: $bad); log:" >&2
    grep -E "✘|error|Expectation failed|failed" "$log" | head -n 60 >&2 || true
    exit 1
fi
echo "reliability suite passed" >&2
