#!/usr/bin/env bash
# Changelog benchmark on the embedded broker (librdkafka's mock cluster).
#
#   scripts/bench-changelog.sh [KEYS] [RUNS]     (default "100000 1000000" keys, 3 restores)
#
# KEYS may list several state sizes ("100000 1000000"); each gets a fresh broker. For each:
# 1. builds aura-billing (release; AURA_BIN=path skips the build), 2. starts `aura-billing broker`
# with a 64-partition changelog topic (16 manifest + 48 chunk partitions; the mock keeps 5 MiB
# per partition, so a ~30 MB state needs many), 3. runs the hidden `aura-billing changelog-bench`:
# builds one partition state with KEYS distinct dedup keys through the real ingest path,
# publishes it (compress, chunk, produce, wait for acks, manifest), then restores it RUNS times
# with a fresh reader (manifest scan, chunk fetch, CRC, inflate, decode) and checks the bytes are
# identical; prints seconds and MB/s. 4. compares the bytes published per absorbed event: the
# same state takes CHECKPOINTS (default 100) checkpoints of EVENTS (default 10000) new events
# each, published as the daemon does (an incremental local store: delta records, and a new base
# whenever the deltas outgrow half the base) and as whole states (3 checkpoints suffice: each
# costs the whole state). Bytes are chunk values plus manifest values; the first base is not
# counted. Bytes do not depend on the build (a debug AURA_BIN gives the same bytes, slower).
# Run it alone: the machine has 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KEYS=${1:-100000 1000000}
RUNS=${2:-3}
CHECKPOINTS=${CHECKPOINTS:-100}
EVENTS=${EVENTS:-10000}
WORK=${BENCH_DIR:-/tmp/aura-bench-changelog}
mkdir -p "$WORK"

. scripts/lib/bench-common.sh
AURA_BIN="$(aura_binary)"

for K in $KEYS; do
    rm -f "$WORK/broker.out"
    "$AURA_BIN" broker --topic aura.changelog:64 > "$WORK/broker.out" 2> "$WORK/broker.log" &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
    for _ in $(seq 600); do [[ -s "$WORK/broker.out" ]] && break; sleep 0.05; done
    B=$(head -1 "$WORK/broker.out")
    echo "== broker $B; $K keys, $RUNS restores, $CHECKPOINTS checkpoints of $EVENTS events" >&2
    "$AURA_BIN" changelog-bench --brokers "$B" --topic aura.changelog --keys "$K" --runs "$RUNS" \
        --checkpoints "$CHECKPOINTS" --events-per-checkpoint "$EVENTS"
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
done
