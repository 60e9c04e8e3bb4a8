# Shared by the benchmark scripts that time processes against the embedded broker
# (source it from the repository root: `. scripts/lib/bench-common.sh`).
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]):,.0f}')" "$1" "$2"; }
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
# Background processes to stop on exit: append their pids to PIDS.
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The release aura-billing binary: AURA_BIN when set, otherwise built now. Prints its path.
aura_binary() {
    if [[ -n "${AURA_BIN:-}" ]]; then echo "$AURA_BIN"; return; fi
    echo "== build (release)" >&2
    swift build -c release --product aura-billing 2>&1 | grep -v -E "unhandled|CMakeLists.txt$" | tail -3 >&2
    echo "$(swift build -c release --show-bin-path)/aura-billing"
}

# RECORDS Confluent-framed Aura_Audit messages and their kcat produce command, generated once
# into DIR/frames-RECORDS (about 40 s and 3 GB per 2M). Prints the frames file's path.
audit_frames() {
    local records=$1 dir=$2
    local frames="$dir/frames-$records/audit.frames"
    mkdir -p "$(dirname "$frames")"
    if [[ ! -f "$frames.kcat.cmd" ]]; then
        echo "== generating $records audit frames (about 40 s and 3 GB per 2M)" >&2
        python3 scripts/datagen/aura_datagen.py kafka-frames --records "$records" --month 2026-10 --kcat \
            --schema-dir scripts/datagen/schemas --out "$frames" > "$frames.log"
    fi
    echo "$frames"
}
