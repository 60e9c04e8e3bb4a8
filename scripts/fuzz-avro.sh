#!/usr/bin/env bash
# Fuzzes the Avro frame decoder, body decoder and schema parser with libFuzzer + AddressSanitizer.
#
#   scripts/fuzz-avro.sh [RUNS]        (default 1000000 runs; 0 = until a crash or Ctrl-C)
#
# The harness is the separate package Fuzz/ (so the root package never builds it). The seed
# corpus is made from the test fixtures: valid and corrupt frames, v2 bodies, schemas. The first
# byte of each input selects the target (0 audit frame, 1 audit frame with no projection,
# 2 gateway frame, 3 concatenated v2 bodies read with the v1 reader, 4 schema JSON, 5 a whole
# object container file).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-1000000}"
WORK="${FUZZ_WORK:-.build-fuzz}"
CORPUS="$WORK/corpus"
mkdir -p "$CORPUS" "$WORK/artifacts"

python3 - "$CORPUS" <<'PY'
import json, os, struct, sys
out = sys.argv[1]
fx = "Tests/AvroTests/Fixtures"
def frames(path):
    data = open(path, "rb").read()
    p = 0
    while p + 4 <= len(data):
        n = struct.unpack_from(">I", data, p)[0]
        yield data[p + 4:p + 4 + n]
        p += 4 + n
def put(name, mode, payload):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([mode]) + payload)
for i, fr in enumerate(frames(f"{fx}/audit-2k.frames")):
    if i >= 40: break
    put(f"audit-{i}", 0, fr)
    put(f"audit-np-{i}", 1, fr)
    if len(fr) > 5 and fr[4] == 2:
        put(f"v2-{i}", 3, fr[5:])
for i, fr in enumerate(frames(f"{fx}/audit-2k.frames.bad.frames")):
    put(f"bad-{i}", 0, fr)
for i, fr in enumerate(frames(f"{fx}/audit-2k.null.avro.bad.frames")):
    put(f"bad-np-{i}", 1, fr)
reg = json.load(open(f"{fx}/audit-2k.frames.registry.json"))
for k, v in reg.items():
    put(f"schema-{k}", 4, v["schema"].encode())
for name in ("D_Gbl_Brand", "D_Gbl_Contact_Channel", "D_Gbl_Country", "D_Aura_Recognizer"):
    put(f"container-{name}", 5, open(f"{fx}/dims/{name}.avro", "rb").read())
PY

# Build the harness (debug, with libFuzzer and ASan).
swift build -c debug --package-path Fuzz --scratch-path "$WORK/build" \
    -Xswiftc -sanitize=fuzzer,address
BIN="$(swift build -c debug --package-path Fuzz --scratch-path "$WORK/build" --show-bin-path)/AvroFuzz"

# -detect_leaks=0: LeakSanitizer cannot see Swift enum payload pointers that carry tag bits in
# their spare bits, so it reports long-lived schema trees as leaks (false positives).
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$BIN" -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
    -artifact_prefix="$WORK/artifacts/" "$CORPUS"
echo "fuzz-avro: $RUNS runs without a crash"
