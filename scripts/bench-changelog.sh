#!/usr/bin/env bash
# Changelog restore benchmark on the embedded broker (librdkafka's mock cluster).
#
#   scripts/bench-changelog.sh [KEYS] [RUNS]     (default 1000000 keys, 3 restores)
#
# 1. builds aura-billing (release; AURA_BIN=path skips the build), 2. starts `aura-billing
# broker` with a 64-partition changelog topic (16 manifest + 48 chunk partitions; the mock keeps
# 5 MiB per partition, so a ~30 MB state needs many), 3. runs the hidden `aura-billing
# changelog-bench`: builds one partition state with KEYS distinct dedup keys through the real
# ingest path, publishes it (compress, chunk, produce, wait for acks, manifest), then restores it
# RUNS times with a fresh reader (manifest scan, chunk fetch, CRC, inflate, decode) and checks
# the bytes are identical. Prints seconds and MB/s. Run it alone: the machine has 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KEYS=${1:-1000000}
RUNS=${2:-3}
WORK=${BENCH_DIR:-/tmp/aura-bench-changelog}
mkdir -p "$WORK"

. scripts/lib/bench-common.sh
AURA_BIN="$(aura_binary)"

"$AURA_BIN" broker --topic aura.changelog:64 > "$WORK/broker.out" 2> "$WORK/broker.log" &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for _ in $(seq 600); do [[ -s "$WORK/broker.out" ]] && break; sleep 0.05; done
B=$(head -1 "$WORK/broker.out")
echo "== broker $B; $KEYS keys, $RUNS restores" >&2
"$AURA_BIN" changelog-bench --brokers "$B" --topic aura.changelog --keys "$KEYS" --runs "$RUNS"
