#!/usr/bin/env bash
# A whole month end to end on this machine: installs what is missing, builds release, runs the demo.
#   scripts/demo.sh [aura-billing demo options...]     (e.g. --events 2000000 --out ./aura-demo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh

swift build -c release --product aura-billing 2>&1 | grep -v -E "found [0-9]+ file\(s\) which are unhandled|CMakeLists.txt$" >&2
exec "$(swift build -c release --show-bin-path)/aura-billing" demo "$@"
