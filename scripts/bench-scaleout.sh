#!/usr/bin/env bash
# Events/s of 1 vs 2 daemon instances in scale-out mode (changelog + close topic), on the
# embedded broker (librdkafka's mock cluster), all on this machine.
#
#   scripts/bench-scaleout.sh [RECORDS] [MAX_INSTANCES]     (default 2000000 and 2)
#
# First a baseline: 1 instance without the changelog (state.changelog_topic emptied through the
# environment). Then for n = 1..MAX_INSTANCES: starts a fresh `aura-billing broker` (aura.audit:64, aura.gateway:8,
# aura.changelog:64, aura.closes:1), starts n instances of `aura-billing run` in one group, each
# with its own state directory (no shared disk), waits until the group is settled (every
# partition owned exactly once, all ready), produces RECORDS audit frames with kcat (lz4), and
# times from the start of the produce until the instances together have consumed them all
# (sum of aura_events_consumed_total). Frames come from the copied generator, cached in
# $BENCH_DIR (default /tmp/aura-bench-daemon, shared with scripts/bench-daemon.sh).
# On a 2-core machine the broker, kcat and every instance share the same two cores: the figure
# is what an added instance brings here, not on separate machines. Run it alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RECORDS=${1:-2000000}
MAX=${2:-2}
WORK=${BENCH_DIR:-/tmp/aura-bench-daemon}
mkdir -p "$WORK"
. scripts/lib/bench-common.sh

BIN="$(aura_binary)"
FRAMES="$(audit_frames "$RECORDS" "$WORK")"

sum_metric() {  # sum of a metric family's positive samples over the given ports
    local family=$1; shift
    local total=0 value
    for port in "$@"; do
        value=$(curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null \
            | awk -v f="$family" 'index($0, f "{") == 1 || index($0, f " ") == 1 { if ($NF > 0) s += $NF } END { printf "%d\n", s }' || echo 0)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}
owned() {  # partitions owned, over the given ports (one label line each)
    for port in "$@"; do
        curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null | grep '^aura_partition_next_offset{' | sed 's/ [^ ]*$//' || true
    done
}

declare -A RESULT
for run in plain $(seq 1 "$MAX"); do
    n=$run; CHANGELOG="aura.changelog"
    if [[ "$run" == plain ]]; then n=1; CHANGELOG=""; fi
    RUN="$WORK/scaleout-$run"
    rm -rf "$RUN"; mkdir -p "$RUN"
    "$BIN" broker --topic aura.audit:64 --topic aura.gateway:8 --topic aura.changelog:64 --topic aura.closes:1 > "$RUN/broker.out" 2> "$RUN/broker.log" &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
    for _ in $(seq 600); do [[ -s "$RUN/broker.out" ]] && break; sleep 0.05; done
    B=$(head -1 "$RUN/broker.out")
    cat > "$RUN/config.yaml" <<YAML
kafka:
  brokers: "$B"
  group_id: "aura-scaleout-bench"
  topics: { audit: "aura.audit", gateway: "aura.gateway" }
  properties:
    session.timeout.ms: "6000"
    fetch.wait.max.ms: "10"
schemas:
  files:
    1: "$ROOT/deploy/schemas/Aura_Audit.avsc"
    2: "$ROOT/deploy/schemas/Aura_Audit.v2.avsc"
    3: "$ROOT/deploy/schemas/Aura_Gateway_Message.avsc"
state: { dir: "$RUN/state", changelog_topic: "aura.changelog", close_topic: "aura.closes" }
checkpoint: { interval_seconds: 10, interval_events: 500000 }
periods: { grace_hours: 6, auto_close: false }
tariffs: { path: "$ROOT/deploy/tariffs.yaml" }
invoices: { dir: "$RUN/invoices" }
quarantine: { file: "$RUN/quarantine.jsonl" }
http: { address: "127.0.0.1:0" }
log: { level: "notice" }
YAML
    PORTS=()
    for i in $(seq 1 "$n"); do
        port=$(free_port)
        PORTS+=("$port")
        STATE_CHANGELOG_TOPIC="$CHANGELOG" STATE_DIR="$RUN/state-$i" HTTP_ADDRESS="127.0.0.1:$port" "$BIN" run --config "$RUN/config.yaml" > "$RUN/daemon-$i.log" 2>&1 &
        PIDS+=("$!")
    done
    echo "== $n instance(s): waiting for the group to settle" >&2
    for _ in $(seq 600); do
        total=$(owned "${PORTS[@]}" | wc -l); unique=$(owned "${PORTS[@]}" | sort -u | wc -l)
        ready=0; for port in "${PORTS[@]}"; do [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" == 200 ]] && ready=$((ready + 1)); done
        [[ "$total" == 72 && "$unique" == 72 && "$ready" == "$n" ]] && break
        sleep 0.1
    done
    sleep 3  # a late rebalance would show up here
    echo "owned: $(owned "${PORTS[@]}" | wc -l) partitions over $n instance(s)" >&2
    PRODUCE=$(sed -e "s/BROKER/$B/" -e "s/TOPIC/aura.audit/" -e "s/^kcat -P /kcat -P -X compression.codec=lz4 -X sticky.partitioning.linger.ms=0 /" "$FRAMES.kcat.cmd")
    t0=$(now)
    (cd "$(dirname "$FRAMES")" && eval "$PRODUCE")
    while [[ "$(sum_metric aura_events_consumed_total "${PORTS[@]}")" -lt "$RECORDS" ]]; do sleep 0.1; done
    t1=$(now)
    S=$(elapsed "$t0" "$t1")
    RESULT[$run]="$S"
    echo "$run instance(s): $RECORDS events in $S s = $(rate "$RECORDS" "$S") events/s (produce included)" >&2
    cleanup
    PIDS=()
done
echo
echo "| instances | seconds | events/s |"
echo "|---|---|---|"
echo "| 1, no changelog | ${RESULT[plain]} | $(rate "$RECORDS" "${RESULT[plain]}") |"
for n in $(seq 1 "$MAX"); do echo "| $n | ${RESULT[$n]} | $(rate "$RECORDS" "${RESULT[$n]}") |"; done
