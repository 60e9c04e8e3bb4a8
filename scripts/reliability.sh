#!/usr/bin/env bash
# The reliability suite (issue 9): runs the real daemon against the embedded broker under crashes,
# broker faults, damaged or unwritable state, a full disk and hostile HTTP, then prints one line per
# scenario. Every scenario must end with 0 mismatches (aggregates vs the generator's totals,
# invoice bytes vs an uninterrupted run).
#   scripts/reliability.sh [--long] [--skip-build]
#     --long        bigger months (~100k events), 40 kill points
#     --skip-build  use the existing debug build
# Needs root (chattr +i, mount -t tmpfs); without it those scenarios are skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

long=0
build=1
for arg in "$@"; do
    case "$arg" in
        --long) long=1 ;;
        --skip-build) build=0 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
echo "== swift test --filter Reliability$([ "$long" = 1 ] && echo ' (long)')" >&2
status=0
AURA_RELIABILITY_REPORT="$report" AURA_RELIABILITY_LONG="$long" \
    swift test --skip-build --filter Reliability >"$log" 2>&1 || status=$?
grep -E "^(✔|✘|􁁛|􀢄|.*(passed|failed) after)" "$log" | tail -n 30 >&2 || true

printf '%-28s %5s %7s %10s %10s %11s %12s %11s\n' scenario runs faults events_in billed duplicates quarantined mismatches
sort "$report" | while IFS=$'\t' read -r scenario runs faults events billed duplicates quarantined mismatches; do
    printf '%-28s %5s %7s %10s %10s %11s %12s %11s\n' "$scenario" "$runs" "$faults" "$events" "$billed" "$duplicates" "$quarantined" "$mismatches"
done

bad=$(awk -F'\t' '$8 != 0' "$report" | wc -l)
if [ "$status" != 0 ] || [ "$bad" != 0 ] || [ ! -s "$report" ]; then
    echo "reliability suite FAILED (swift test exit $status, scenarios with mismatches: $bad); log:" >&2
    grep -E "✘|error|Expectation failed|failed" "$log" | head -n 60 >&2 || true
    exit 1
fi
echo "reliability suite passed" >&2
