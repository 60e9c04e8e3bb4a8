#!/usr/bin/env bash
# Bytes the real daemon writes per absorbed event at steady state, with a large state (issue 17):
# `aura-billing bench-writes` at each size of KEYS_LIST (audit events loaded; dedup keys in state
# ≈ 1.25 × that), then a trickle of TRICKLE events at RATE a second. One JSON line per size.
# See docs/performance.md, "The daemon end to end".
#
#   scripts/bench-writes.sh [KEYS_LIST] [TRICKLE] [RATE]     (default "1000000 8000000" 3000 100)
#   AURA_BIN=path skips the release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KEYS_LIST="${1:-1000000 8000000}"; TRICKLE="${2:-3000}"; RATE="${3:-100}"
if [[ -n "${AURA_BIN:-}" ]]; then
    BIN=$AURA_BIN
else
    source scripts/bootstrap.sh
    swift build -c release --product aura-billing 2>&1 \
        | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
    BIN="$(swift build -c release --show-bin-path)/aura-billing"
fi
for keys in $KEYS_LIST; do
    OUT="$(mktemp -d /tmp/aura-bench-writes.XXXXXX)"
    "$BIN" bench-writes --keys "$keys" --trickle "$TRICKLE" --rate "$RATE" --out "$OUT" | tail -1
    rm -rf "$OUT"
done
