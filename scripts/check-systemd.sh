#!/usr/bin/env bash
# Checks the systemd units in systemd/:
#   1. `systemd-analyze verify` on every unit (syntax, unknown keys, missing executables,
#      the timer's target unit);
#   2. `systemd-analyze security --offline=true` on aura-billing.service, which must score an
#      exposure of at most $MAX_EXPOSURE (2.0 = "OK" or better);
#   3. the same report for aura-billing-close.service (printed, not gated: it runs as root).
#
# `verify` checks that ExecStart= names an existing executable. The units name the installed
# path /usr/local/bin/aura-billing. When that file exists the units are verified as they are.
# Otherwise (a developer machine, CI) the script verifies a copy of each unit, in a temporary
# folder, whose only change is that /usr/local/bin/aura-billing is replaced with the absolute
# path of a binary built from this tree (AURA_BILLING_BIN, or .build/release/aura-billing, or
# .build/debug/aura-billing). Nothing else in the copy differs (the script checks with diff), so
# the verdict is the one the installed unit gets. The security score does not look at the
# binary, so it is computed on the unit file as committed.
#
# Usage: scripts/check-systemd.sh            (installs the `systemd` package if systemd-analyze is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}
UNITS=(systemd/aura-billing.service systemd/aura-billing-close.service systemd/aura-billing-close.timer)
INSTALLED_BIN=/usr/local/bin/aura-billing

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "check-systemd: installing systemd (for systemd-analyze)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
echo "check-systemd: $(systemd-analyze --version | head -1)"

fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- 1. verify -------------------------------------------------------------------------------
if [[ -x $INSTALLED_BIN ]]; then
    bin=$INSTALLED_BIN
    echo "check-systemd: verifying the units as committed (found $INSTALLED_BIN)"
else
    bin=${AURA_BILLING_BIN:-}
    if [[ -z $bin ]]; then
        for c in .build/release/aura-billing .build/debug/aura-billing; do
            if [[ -x $c ]]; then bin=$PWD/$c; break; fi
        done
    fi
    if [[ -z $bin || ! -x $bin ]]; then
        echo "check-systemd: no aura-billing binary: build it (swift build -c release --product aura-billing)" >&2
        echo "  or set AURA_BILLING_BIN=/path/to/aura-billing" >&2
        exit 2
    fi
    bin=$(readlink -f "$bin")
    echo "check-systemd: $INSTALLED_BIN absent; verifying copies with ExecStart= -> $bin"
fi
for u in "${UNITS[@]}"; do
    sed "s#$INSTALLED_BIN#$bin#g" "$u" > "$work/$(basename "$u")"
    # The copy must differ only in the binary path.
    if ! diff <(sed "s#$bin#$INSTALLED_BIN#g" "$work/$(basename "$u")") "$u" >/dev/null; then
        echo "check-systemd: internal error: copy of $u differs beyond the binary path" >&2
        exit 2
    fi
done
if ( cd "$work" && systemd-analyze verify --man=no ./*.service ./*.timer ) > "$work/verify.log" 2>&1; then
    if [[ -s $work/verify.log ]]; then
        echo "check-systemd: systemd-analyze verify printed warnings:"; sed 's/^/  /' "$work/verify.log"; fail=1
    else
        echo "check-systemd: systemd-analyze verify: OK (${#UNITS[@]} units, no warnings)"
    fi
else
    echo "check-systemd: systemd-analyze verify FAILED:"; sed 's/^/  /' "$work/verify.log"; fail=1
fi

# --- 2. security exposure --------------------------------------------------------------------
exposure() {  # prints the overall exposure figure of one unit file
    systemd-analyze security --offline=true --no-pager "$1" 2>&1 | tee "$work/security.$(basename "$1").log" \
        | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' | tail -1
}
main_exp=$(exposure systemd/aura-billing.service)
close_exp=$(exposure systemd/aura-billing-close.service)
if [[ -z $main_exp ]]; then
    echo "check-systemd: could not read the exposure of aura-billing.service:"; cat "$work/security.aura-billing.service.log"; exit 1
fi
echo "check-systemd: aura-billing.service exposure $main_exp (limit $MAX_EXPOSURE)"
echo "check-systemd: aura-billing-close.service exposure ${close_exp:-?} (reported only)"
if awk -v e="$main_exp" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e > m) }'; then
    echo "check-systemd: exposure too high; findings:"; grep '✗' "$work/security.aura-billing.service.log" || true
    fail=1
fi
[[ $fail -eq 0 ]] && echo "check-systemd: PASS" || echo "check-systemd: FAIL"
exit $fail
