#!/usr/bin/env bash
# Fuzzes the checkpoint decoder and the changelog decoders (manifest records, compressed states)
# with libFuzzer + AddressSanitizer.
#
#   scripts/fuzz-state.sh [RUNS]        (default 1000000 runs; 0 = until a crash or Ctrl-C)
#
# The harness is StateFuzz in the separate package Fuzz/ (see scripts/fuzz-avro.sh). The seed
# corpus is written by the harness itself (`--write-seeds`): checkpoints of states built from the
# Avro fixtures' audit events, the same as bare sections, as compressed changelog values and the
# manifests that describe them. The first byte of each input selects the target (0 checkpoint
# file, 1 checkpoint sections behind a computed header and CRC, 2 changelog manifest, 3 changelog
# state value). A checkpoint that decodes must also merge and re-encode stably.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-1000000}"
WORK="${FUZZ_WORK:-.build-fuzz}"
CORPUS="$WORK/corpus-state"
mkdir -p "$CORPUS" "$WORK/artifacts"

# Build the harness (debug, with libFuzzer and ASan).
swift build -c debug --package-path Fuzz --scratch-path "$WORK/build" --product StateFuzz \
    -Xswiftc -sanitize=fuzzer,address
BIN="$(swift build -c debug --package-path Fuzz --scratch-path "$WORK/build" --show-bin-path)/StateFuzz"

export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
"$BIN" --write-seeds "$CORPUS"

# -detect_leaks=0: see scripts/fuzz-avro.sh (Swift enum payload pointers look like leaks).
"$BIN" -runs="$RUNS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
    -artifact_prefix="$WORK/artifacts/state-" "$CORPUS"
echo "fuzz-state: $RUNS runs without a crash"
