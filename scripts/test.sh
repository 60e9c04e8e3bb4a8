#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test.
#   scripts/test.sh [swift test arguments...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh

echo "== format (swift format lint, .swift-format)" >&2
# The toolchain's formatter; the tree must already be formatted (`swift format --in-place -r -p Sources Tests
# Package.swift` fixes what it reports).
swift format lint --strict --recursive --parallel Sources Tests Package.swift

echo "== build (debug, with tests)" >&2
BUILD_LOG="$(mktemp)"
trap 'rm -f "$BUILD_LOG"' EXIT
swift build --build-tests 2>&1 | tee "$BUILD_LOG" | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
# The project's own code compiles without warnings (a clean build reports them all).
if grep -E "^$PWD/(Sources|Tests)/.*: warning:" "$BUILD_LOG" >&2; then
    echo "error: the build has warnings in Sources/ or Tests/" >&2
    exit 1
fi
echo "== swift test" >&2
# Serially: many suites run the real daemon, the embedded broker and subprocesses; on 2 cores,
# running them side by side starves the timing-sensitive ones (token back-off, HTTP timeouts).
swift test --skip-build --no-parallel "$@"
