#!/usr/bin/env bash
# The 12-month soak: the real daemon (`aura-billing run`, its own process) against the embedded
# Kafka cluster through consecutive generated months with auto-close and the late horizon on;
# one line per month (events, dedup keys, state bytes on disk, bytes written per event, RSS,
# checkpoint p99, invoices equal). See docs/performance.md, "12-month soak".
#
#   scripts/soak.sh [--debug] [MONTHS] [EVENTS_PER_MONTH] [aura-billing soak options...]
#       MONTHS default 12, EVENTS_PER_MONTH (audit events; gateway a quarter more) default 20000;
#       --debug builds and runs the debug binary; AURA_BIN=path skips the build;
#       the output goes to a fresh directory under /tmp unless --out DIR is given.
#
# Exit status: non-zero when a month's totals differ from the generator's or when, from the
# third month on, dedup keys, state bytes on disk or the RSS move more than 10 % from the third month's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CONFIG=release
if [[ "${1:-}" == "--debug" ]]; then CONFIG=debug; shift; fi
MONTHS=12
EVENTS=20000
if [[ $# -gt 0 && "$1" != -* ]]; then MONTHS=$1; shift; fi
if [[ $# -gt 0 && "$1" != -* ]]; then EVENTS=$1; shift; fi

if [[ -n "${AURA_BIN:-}" ]]; then
    BIN=$AURA_BIN
else
    source scripts/bootstrap.sh
    swift build -c "$CONFIG" --product aura-billing 2>&1 \
        | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
    BIN="$(swift build -c "$CONFIG" --show-bin-path)/aura-billing"
fi

OUT_ARGS=()
if [[ " $* " != *" --out "* ]]; then OUT_ARGS=(--out "$(mktemp -d /tmp/aura-soak.XXXXXX)"); fi
exec "$BIN" soak "$MONTHS" "$EVENTS" "${OUT_ARGS[@]}" "$@"
