#!/usr/bin/env bash
# Invoice close throughput: OBS invoices of LINES usage lines each (default 50 × 500) priced and
# written as workbook + manifest by the Invoicing module, against openpyxl (write-only mode)
# producing the same five sheets. Prints both and the ratio peer/ours (higher = we are faster).
#
#   scripts/bench-invoicing.sh [OBS] [LINES] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
OBS="${1:-50}"; LINES="${2:-500}"; REPEATS="${3:-5}"

# --- peer dependency (Debian's python3-openpyxl), only when missing ---
if ! /usr/bin/python3 -c "import openpyxl" 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-openpyxl >/dev/null
fi

echo "== building Benchmarks/InvoicingBench (release)" >&2
swift build -c release --package-path Benchmarks --product InvoicingBench 2>&1 \
    | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/InvoicingBench"

ours=$("$BIN" --catalog deploy/tariffs.yaml --obs "$OBS" --lines "$LINES" --repeats "$REPEATS")
peer=$(/usr/bin/python3 scripts/bench-invoicing/openpyxl_peer.py "$OBS" "$LINES" "$REPEATS")
echo "aura-billing: $ours"
echo "openpyxl:     $peer"
/usr/bin/python3 - "$ours" "$peer" "$OBS" "$LINES" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
obs, lines = int(sys.argv[3]), int(sys.argv[4])
print("close %d OBs x %d lines: ours %.3f s (render %.3f s, %.0f invoices/s), openpyxl %.3f s -> ratio %.1fx"
      % (obs, lines, ours["close_best_s"], ours["render_best_s"], obs / ours["close_best_s"],
         peer["best_s"], peer["best_s"] / ours["close_best_s"]))
PY
