#!/usr/bin/env bash
# Latency of the running invoice (GET /v1/invoices/preview) and of the status page (GET /),
# through the real daemon, with 50 OBs × 500 usage lines in state.
#
#   scripts/bench-preview.sh [OBS] [LINES] [REQUESTS]   (default 50 500 2000; results on stdout)
#
# 1. builds aura-billing (release; AURA_BIN=path skips the build), 2. starts `aura-billing
# broker` (aura.audit:8, aura.gateway:4), 3. writes a catalog: deploy/tariffs.yaml plus OBS
# synthetic OBs (QAA, QAB, …; eur-standard, Europe/Madrid), 4. produces 2 audit events per
# (OB, component, app) line — 25 components × LINES/25 apps per OB, in the current month — with
# kcat, 5. runs `aura-billing run` until every event is consumed, 6. times REQUESTS previews
# one after another (keep-alive, round-robin over the OBs, after 50 warm-up requests), then
# 4 clients at once, then 50 status pages; prints p50/p90/p99/max and checks every answer.
#
# Needs: kcat, curl, python3 (stdlib). Run it alone: the machine has 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OBS=${1:-50}
LINES=${2:-500}
REQUESTS=${3:-2000}
WORK=${BENCH_DIR:-/tmp/aura-bench-preview}
rm -rf "$WORK"; mkdir -p "$WORK"
. scripts/lib/bench-common.sh
BIN="$(aura_binary)"

echo "== broker" >&2
"$BIN" broker --topic aura.audit:8 --topic aura.gateway:4 > "$WORK/broker.out" 2> "$WORK/broker.log" &
PIDS+=("$!")
for _ in $(seq 100); do [[ -s "$WORK/broker.out" ]] && break; sleep 0.05; done
B=$(head -1 "$WORK/broker.out")

echo "== catalog and events: $OBS OBs × $LINES lines" >&2
python3 - "$ROOT" "$WORK" "$OBS" "$LINES" <<'EOF'
import datetime, os, random, struct, sys
sys.path.insert(0, os.path.join(sys.argv[1], "scripts/datagen"))
from aura_datagen import kcat_delims
root, work, n_obs, n_lines = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
obs = ["Q%s%s" % (chr(65 + i // 26), chr(65 + i % 26)) for i in range(n_obs)]
lines = open(os.path.join(root, "deploy/tariffs.yaml")).read().split("\n")
at = lines.index("obs:") + 1
lines[at:at] = ["  %s: { price_list: eur-standard, time_zone: Europe/Madrid, model: \"bench\" }" % ob for ob in obs]
open(os.path.join(work, "tariffs.yaml"), "w").write("\n".join(lines))
def zz(n): return (n << 1) ^ (n >> 63)
def long(n):
    u, out = zz(n) & (2**64 - 1), bytearray()
    while u > 0x7F: out.append((u & 0x7F) | 0x80); u >>= 7
    out.append(u); return bytes(out)
def s(t): b = t.encode(); return long(len(b)) + b
now = datetime.datetime.now(datetime.timezone.utc)
day = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
tm = day.strftime("%Y-%m-%dT%H:%M:%S.000Z")
components, apps = 25, max(1, n_lines // 25)
keys, frames, n = [], [], 0
for ob in obs:
    for c in range(components):
        for a in range(apps):
            for _ in range(2):
                n += 1
                iid = "bench-%08d" % n
                body = (s(iid) + s(tm) + b"\x00" + b"\x02" + s("APP-%03d" % a) + s(ob) + long(0) + b"\x00"
                        + s("COMP-%02d" % c) + b"\x00" * 5 + s(tm[:10]))
                keys.append(iid.encode()); frames.append(b"\x00" + struct.pack(">I", 1) + body)
kd, md = kcat_delims(random.Random(7), keys, frames)
open(os.path.join(work, "audit.kcat"), "wb").write(md.join(k + kd + f for k, f in zip(keys, frames)))
esc = lambda b: "".join("\\x%02x" % c for c in b)
open(os.path.join(work, "produce.cmd"), "w").write("kcat -P -z lz4 -b BROKER -t aura.audit -K '%s' -D '%s' -l audit.kcat\n" % (esc(kd), esc(md)))
open(os.path.join(work, "count"), "w").write(str(len(frames)))
open(os.path.join(work, "obs"), "w").write(" ".join(obs))
EOF
RECORDS=$(cat "$WORK/count")
(cd "$WORK" && eval "$(sed "s/BROKER/$B/" produce.cmd)")
echo "produced $RECORDS events" >&2

HTTP_PORT=$(free_port)
cat > "$WORK/config.yaml" <<EOF
kafka:
  brokers: "$B"
  group_id: "aura-bench-preview-$$"
  topics: { audit: "aura.audit", gateway: "aura.gateway" }
  properties: { session.timeout.ms: "6000", fetch.wait.max.ms: "10" }
schemas:
  files:
    1: "$ROOT/deploy/schemas/Aura_Audit.avsc"
    2: "$ROOT/deploy/schemas/Aura_Audit.v2.avsc"
    3: "$ROOT/deploy/schemas/Aura_Gateway_Message.avsc"
state: { dir: "$WORK/state" }
checkpoint: { interval_seconds: 10, interval_events: 500000 }
periods: { grace_hours: 6, auto_close: false }
tariffs: { path: "$WORK/tariffs.yaml" }
invoices: { dir: "$WORK/invoices" }
quarantine: { file: "$WORK/quarantine.jsonl" }
http: { address: "127.0.0.1:$HTTP_PORT" }
log: { level: "notice" }
EOF
"$BIN" run --config "$WORK/config.yaml" > "$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
PIDS+=("$DAEMON_PID")
consumed() {
    curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null \
        | awk '/^aura_partition_next_offset\{/ { if ($NF > 0) s += $NF } END { printf "%d\n", s }' || true
}
while [[ "$(consumed)" != "$RECORDS" ]]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || { tail -20 "$WORK/daemon.log" >&2; exit 1; }
    sleep 0.2
done
echo "consumed $RECORDS events" >&2

python3 - "$HTTP_PORT" "$REQUESTS" "$LINES" $(cat "$WORK/obs") <<'EOF'
import http.client, json, sys, threading, time
port, requests, n_lines, obs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def pct(xs, p): xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
def show(name, xs):
    print("%-34s n=%d  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms" % (
        name, len(xs), pct(xs, 50), pct(xs, 90), pct(xs, 99), max(xs)))
def run(n, path_of, out, check):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        t0 = time.perf_counter()
        c.request("GET", path_of(i)); r = c.getresponse(); body = r.read()
        out.append((time.perf_counter() - t0) * 1000)
        if r.status != 200: sys.exit("HTTP %d: %s" % (r.status, body[:300]))
        check(body)
def preview_check(body):
    p = json.loads(body)
    comps = [l for l in p["lines"] if l["kind"] == "component"]
    if not p["provisional"] or len(comps) != 25 or p["total_queries"] != 2 * n_lines:
        sys.exit("unexpected preview: %d component lines, %d queries" % (len(comps), p["total_queries"]))
path = lambda i: "/v1/invoices/preview?ob=" + obs[i % len(obs)]
run(50, path, [], preview_check)  # warm-up: the first asks the consumer for a view
seq = []
run(requests, path, seq, preview_check)
show("preview, 1 client", seq)
par, threads = [], []
for k in range(4):
    mine = []
    t = threading.Thread(target=run, args=(requests // 4, lambda i, k=k: path(i + k), mine, preview_check))
    threads.append((t, mine)); t.start()
for t, mine in threads: t.join(); par += mine
show("preview, 4 clients at once", par)
page = []
def page_check(body):
    if body.count(b"<tr") < len(obs): sys.exit("status page lists fewer rows than OBs")
run(50, lambda i: "/", page, page_check)
show("status page (%d OBs)" % len(obs), page)
EOF
# Examples for the README: one preview as JSON and as the CLI's table.
FIRST_OB=$(cut -d' ' -f1 "$WORK/obs")
curl -sf "http://127.0.0.1:$HTTP_PORT/v1/invoices/preview?ob=$FIRST_OB" > "$WORK/example-preview.json"
"$BIN" preview --url "http://127.0.0.1:$HTTP_PORT" --ob "$FIRST_OB" > "$WORK/example-preview.txt"
RSS=$(awk '/VmRSS/ { print $2, $3 }' "/proc/$DAEMON_PID/status")
echo "daemon RSS after the run: $RSS; $OBS OBs × $LINES lines = $RECORDS events"
