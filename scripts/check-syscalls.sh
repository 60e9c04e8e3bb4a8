#!/usr/bin/env bash
# Evidence for two hardening settings of systemd/aura-billing.service that
# `systemd-analyze security` cannot check, because they depend on what the binary does:
#   - SystemCallFilter=@system-service ~@privileged @resources: runs the daemon's Kafka, HTTP and
#     signal test suites under strace -f and lists every system call used outside that set;
#   - MemoryDenyWriteExecute=yes: fails on any mmap with PROT_WRITE|PROT_EXEC or mprotect /
#     pkey_mprotect adding PROT_EXEC.
# The traced processes are a superset of the daemon (the test runner, the embedded broker, curl).
# Known and tolerated outside the filter (the unit sets SystemCallErrorNumber=EPERM):
#   setpriority - libdispatch worker threads set a nice value per QoS and ignore failure.
#
# Usage: scripts/check-syscalls.sh   (builds the tests if needed; installs strace if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
TOLERATED=${TOLERATED:-setpriority}
SUITES=${SUITES:-KafkaRoundTrip|HTTPEndpoints|SignalService|BrokerCommand}

command -v strace >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null; }
command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
runner=$(swift build --show-bin-path)/aura-billingPackageTests.xctest
[[ -x $runner ]] || swift build --build-tests >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

strace -f -qq -o "$work/trace" -e trace=all "$runner" --testing-library swift-testing --filter "$SUITES" > "$work/run.log" 2>&1 \
    || { echo "check-syscalls: the traced tests failed:"; tail -20 "$work/run.log"; exit 1; }

python3 - "$work/trace" "$TOLERATED" <<'PY'
import re, subprocess, sys
trace, tolerated = sys.argv[1], set(sys.argv[2].split(","))

def expand(group):
    out = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines()[1:]:
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        names |= expand(item) if item.startswith("@") else {item}
    return names

allowed = expand("@system-service") - expand("@privileged") - expand("@resources")
used, wx = set(), []
call = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]")
for line in open(trace, errors="replace"):
    m = call.match(line)
    if not m:
        continue
    name = m.group(1)
    used.add(name)
    if name == "mmap" and "PROT_WRITE" in line and "PROT_EXEC" in line:
        wx.append(line.strip())
    if name in ("mprotect", "pkey_mprotect") and "PROT_EXEC" in line:
        wx.append(line.strip())
outside = sorted(used - allowed)
print("check-syscalls: %d distinct system calls; outside the unit's filter: %s" % (len(used), outside or "none"))
bad = [s for s in outside if s not in tolerated]
if wx:
    print("check-syscalls: write+execute memory requests (MemoryDenyWriteExecute would refuse them):")
    for line in wx[:20]:
        print("  " + line)
print("check-syscalls: W+X memory requests: %d" % len(wx))
if bad or wx:
    print("check-syscalls: FAIL (not tolerated: %s)" % bad)
    sys.exit(1)
print("check-syscalls: PASS")
PY
