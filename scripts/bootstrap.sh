#!/usr/bin/env bash
# Installs what building and testing aura-billing needs on Debian 12, only when missing.
# Idempotent; run as root or with sudo available. Swift itself must already be installed.
set -euo pipefail

log() { echo "bootstrap: $*" >&2; }

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# libreoffice-calc-nogui + poppler-utils: InvoiceRenderTests prints a workbook to PDF and reads
# its pages (scripts/render-invoice.sh); about 90 MB to download, 1.5 minutes to install.
# chromium: StatusPageBrowserTests loads the status page in headless Chromium (--dump-dom, --screenshot).
for pkg in librdkafka-dev zlib1g-dev libdeflate-dev libcurl4-openssl-dev pkg-config tzdata \
           python3 python3-openpyxl kcat curl prometheus libreoffice-calc-nogui poppler-utils chromium ${AURA_EXTRA_APT:-}; do
    have_pkg "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
    # prometheus is installed for /usr/bin/promtool (the alerting-rule tests); Debian's package
    # enables and starts a server on :9090, which a build or CI host must not run.
    if [[ " ${need[*]} " == *" prometheus "* ]]; then
        if [ -d /run/systemd/system ]; then
            $SUDO systemctl disable --now prometheus.service >&2 || true
        else
            $SUDO invoke-rc.d prometheus stop >/dev/null 2>&1 || true
            $SUDO update-rc.d prometheus disable >/dev/null 2>&1 || true
        fi
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        [ -x "$dir/swift" ] && export PATH="$dir:$PATH"
    done
fi
command -v swift >/dev/null 2>&1 || { log "swift is not installed (https://www.swift.org/install/linux/)"; exit 1; }
