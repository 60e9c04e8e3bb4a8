#!/usr/bin/env bash
# Daemon consume throughput against kcat, on the embedded broker (librdkafka's mock cluster).
#
#   scripts/bench-daemon.sh [RECORDS] [ROUNDS]   (default 2000000 3; the results go to stdout)
#
# 1. builds aura-billing (release; AURA_BIN=path skips the build), 2. generates RECORDS audit frames with the copied generator
# (cached in $BENCH_DIR, default /tmp/aura-bench-daemon), 3. starts `aura-billing broker` with
# aura.audit:64 and aura.gateway:8, 4. produces the frames with kcat (lz4, keyed) and checks that
# the broker kept all of them (it keeps at most 5 MiB of batches per partition), 5. ROUNDS times,
# alternately: times `kcat -C ... -e -o beginning -q > /dev/null`, then runs `aura-billing run` on a
# fresh state dir (new group) and times it until every message is consumed (polling /metrics),
# 6. prints the median rates, the ratio daemon/kcat and the daemon's RSS.
#
# Needs: kcat, curl, python3 (stdlib). Run it alone: the machine has 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RECORDS=${1:-2000000}
ROUNDS=${2:-3}
WORK=${BENCH_DIR:-/tmp/aura-bench-daemon}
mkdir -p "$WORK"
. scripts/lib/bench-common.sh

BIN="$(aura_binary)"
FRAMES="$(audit_frames "$RECORDS" "$WORK")"

echo "== broker" >&2
"$BIN" broker --topic aura.audit:64 --topic aura.gateway:8 > "$WORK/broker.out" 2> "$WORK/broker.log" &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
for _ in $(seq 100); do [[ -s "$WORK/broker.out" ]] && break; sleep 0.05; done
B=$(head -1 "$WORK/broker.out")
echo "bootstrap $B" >&2

echo "== produce (kcat, lz4)" >&2
PRODUCE=$(sed -e "s/BROKER/$B/" -e "s/TOPIC/aura.audit/" -e "s/^kcat -P /kcat -P -X compression.codec=lz4 /" "$FRAMES.kcat.cmd")
t0=$(now)
(cd "$(dirname "$FRAMES")" && eval "$PRODUCE")
t1=$(now)
echo "produced $RECORDS in $(elapsed "$t0" "$t1") s: $PRODUCE" >&2

# Retention: the sum of high watermarks must be what we produced, every low watermark 0.
QUERY_HIGH=(); QUERY_LOW=()
for p in $(seq 0 63); do QUERY_HIGH+=(-t "aura.audit:$p:-1"); QUERY_LOW+=(-t "aura.audit:$p:-2"); done
HIGH=$(kcat -Q -b "$B" "${QUERY_HIGH[@]}" | awk '/offset/ { s += $NF } END { print s + 0 }')
LOW=$(kcat -Q -b "$B" "${QUERY_LOW[@]}" | awk '/offset/ { s += $NF } END { print s + 0 }')
if [[ "$HIGH" != "$RECORDS" || "$LOW" != 0 ]]; then
    echo "retention check failed: sum of high watermarks $HIGH (want $RECORDS), low $LOW (want 0)" >&2
    exit 1
fi
echo "retained: sum of high watermarks = $HIGH, of low watermarks = $LOW" >&2

kcat_run() {
    local t0 t1
    t0=$(now)
    kcat -C -b "$B" -t aura.audit -e -o beginning -q > /dev/null
    t1=$(now)
    KCAT_TIMES+=("$(elapsed "$t0" "$t1")")
}

daemon_run() {  # $1 = round; appends to DAEMON_* arrays
    STATE="$WORK/daemon-$1"
    rm -rf "$STATE"
    mkdir -p "$STATE"
    HTTP_PORT=$(free_port)
    cat > "$STATE/config.yaml" <<EOF
kafka:
  brokers: "$B"
  group_id: "aura-bench-$$-$1"
  topics: { audit: "aura.audit", gateway: "aura.gateway" }
  properties:
    session.timeout.ms: "6000"
    fetch.wait.max.ms: "10"   # the mock waits this long on any fetch without data (the empty gateway topic)
schemas:
  files:
    1: "$ROOT/deploy/schemas/Aura_Audit.avsc"
    2: "$ROOT/deploy/schemas/Aura_Audit.v2.avsc"
    3: "$ROOT/deploy/schemas/Aura_Gateway_Message.avsc"
state: { dir: "$STATE/state" }
checkpoint: { interval_seconds: 10, interval_events: 500000 }
periods: { grace_hours: 6, auto_close: false }
tariffs: { path: "$ROOT/deploy/tariffs.yaml" }
invoices: { dir: "$STATE/invoices" }
quarantine: { file: "$STATE/quarantine.jsonl" }
http: { address: "127.0.0.1:$HTTP_PORT" }
log: { level: "notice" }
EOF
    metric() {  # sum of a metric family's positive samples (an unread partition's next offset is -1), empty while the server is not up
        curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null \
            | awk -v f="$1" 'index($0, f "{") == 1 || index($0, f " ") == 1 { if ($NF > 0) s += $NF; n++ } END { if (n) printf "%d\n", s }' || true
    }
    t_start=$(now)
    "$BIN" run --config "$STATE/config.yaml" > "$STATE/daemon.log" 2>&1 &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
    t_first=""
    while :; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { echo "daemon exited:" >&2; tail -20 "$STATE/daemon.log" >&2; exit 1; }
        consumed=$(metric aura_events_consumed_total)
        if [[ -n "$consumed" && "$consumed" -gt 0 && -z "$t_first" ]]; then t_first=$(now); fi
        [[ -n "$t_first" ]] && echo "$(elapsed "$t_first" "$(now)") $consumed" >> "$STATE/progress.txt"   # seconds since the first event, events consumed
        if [[ "$consumed" == "$RECORDS" ]]; then t_done=$(now); break; fi
        sleep 0.1   # each poll costs a curl process: keep it light on 2 cores
    done
    RSS=$(awk '/VmRSS/ { print $2, $3 }' "/proc/$DAEMON_PID/status")
    CPU_S=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f user + %.2f sys", $14 / hz, $15 / hz }' "/proc/$DAEMON_PID/stat")
    CKPT=$(curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | awk '/^aura_checkpoint_duration_seconds_sum/ { s = $NF } /^aura_checkpoint_duration_seconds_count/ { n = $NF } END { printf "%d checkpoints, %.2f s in all", n, s }' || true)
    HWM=$(awk '/VmHWM/ { print $2, $3 }' "/proc/$DAEMON_PID/status")
    # The per-partition positions (published every 2 s) must reach the end too.
    while [[ "$(metric aura_partition_next_offset)" != "$RECORDS" ]]; do sleep 0.1; done
    t_offsets=$(now)
    t_stop0=$(now)
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID"
    t_stop1=$(now)
    CKPTS=$(ls "$STATE/state" | grep -c '\.ckpt$' || true)
    QUARANTINED=$(wc -l < "$STATE/quarantine.jsonl" 2>/dev/null || echo 0)
    DAEMON_ALLS+=("$(elapsed "$t_start" "$t_done")")
    DAEMON_CONSUMES+=("$(elapsed "$t_first" "$t_done")")
    echo "round $1: kcat ${KCAT_TIMES[-1]} s, daemon consume phase ${DAEMON_CONSUMES[-1]} s, from start ${DAEMON_ALLS[-1]} s" >&2
}

# Rounds alternate kcat and the daemon, so that both see the same machine load (it is shared);
# medians of each are compared.
KCAT_TIMES=(); DAEMON_ALLS=(); DAEMON_CONSUMES=()
for round in $(seq "$ROUNDS"); do
    echo "== round $round: kcat -C, then aura-billing run" >&2
    kcat_run
    daemon_run "$round"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
KCAT_S=$(median "${KCAT_TIMES[@]}")
DAEMON_ALL=$(median "${DAEMON_ALLS[@]}")
DAEMON_CONSUME=$(median "${DAEMON_CONSUMES[@]}")
echo
echo "records                      $RECORDS (aura.audit, 64 partitions, lz4; all retained)"
echo "rounds                       $ROUNDS (kcat and daemon alternately; medians)"
echo "kcat -C > /dev/null          ${KCAT_TIMES[*]} s; median $KCAT_S s = $(rate "$RECORDS" "$KCAT_S") msg/s"
echo "daemon, start to consumed    ${DAEMON_ALLS[*]} s; median $DAEMON_ALL s = $(rate "$RECORDS" "$DAEMON_ALL") msg/s (includes startup and the 3 s group join)"
echo "daemon, first to last event  ${DAEMON_CONSUMES[*]} s; median $DAEMON_CONSUME s = $(rate "$RECORDS" "$DAEMON_CONSUME") msg/s (checkpoints every 10 s / 500k events included)"
echo "positions published          $(elapsed "$t_start" "$t_offsets") s after start (last round) (sum of aura_partition_next_offset = $RECORDS)"
echo "graceful stop (final ckpt)   $(elapsed "$t_stop0" "$t_stop1") s (last round); $CKPTS checkpoint files; quarantined $QUARANTINED"
python3 -c "import sys; k,a,c=map(float,sys.argv[1:]); print(f'ratio daemon/kcat          {k/c:.0%} (consume phase), {k/a:.0%} (from process start)')" "$KCAT_S" "$DAEMON_ALL" "$DAEMON_CONSUME"
echo "daemon RSS at the end        $RSS (peak $HWM; last round)"
echo "daemon CPU until consumed    $CPU_S s; $CKPT (on the checkpoint writer thread; last round)"
