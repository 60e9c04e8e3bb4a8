#!/usr/bin/env bash
# Builds and installs aura-billing with its systemd units and configuration.
#
#   deploy/install.sh                      build release, install into /, daemon-reload
#   DESTDIR=/tmp/stage deploy/install.sh   staged install (packaging, tests): nothing outside DESTDIR
#                                          is touched and systemctl is not called
#
# Environment:
#   DESTDIR            staging root (default: empty = the live system)
#   PREFIX             binary prefix (default /usr/local; the unit expects /usr/local/bin)
#   AURA_BILLING_BIN   install this already-built binary instead of building
#   SKIP_BUILD=1       use .build/release/aura-billing as it is
#
# Never overwrites an edited configuration or a credential: an existing config.yaml that
# differs gets the new one beside it as config.yaml.new; credential files are only created
# (empty, 0600) when missing, because systemd's LoadCredential= needs every source to exist.
set -euo pipefail
cd "$(dirname "$0")/.."
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
ETC=$DESTDIR/etc/aura-billing
UNITDIR=$DESTDIR/etc/systemd/system

log() { echo "install: $*"; }

# --- binary ---------------------------------------------------------------------------------
if [[ -n ${AURA_BILLING_BIN:-} ]]; then
    bin=$AURA_BILLING_BIN
elif [[ ${SKIP_BUILD:-0} == 1 ]]; then
    bin=.build/release/aura-billing
else
    log "swift build -c release --product aura-billing"
    swift build -c release --product aura-billing
    bin=$(swift build -c release --show-bin-path)/aura-billing
fi
[[ -x $bin ]] || { echo "install: no executable at $bin" >&2; exit 1; }
install -d -m 0755 "$DESTDIR$PREFIX/bin"
install -m 0755 "$bin" "$DESTDIR$PREFIX/bin/aura-billing"
log "binary -> $DESTDIR$PREFIX/bin/aura-billing"

# --- systemd units --------------------------------------------------------------------------
install -d -m 0755 "$UNITDIR"
for u in systemd/aura-billing.service systemd/aura-billing-close.service systemd/aura-billing-close.timer; do
    if [[ $PREFIX != /usr/local ]]; then
        sed "s#/usr/local/bin/aura-billing#$PREFIX/bin/aura-billing#g" "$u" > "$UNITDIR/$(basename "$u")"
        chmod 0644 "$UNITDIR/$(basename "$u")"
    else
        install -m 0644 "$u" "$UNITDIR/"
    fi
done
log "units -> $UNITDIR"

# --- configuration --------------------------------------------------------------------------
install -d -m 0755 "$ETC" "$ETC/schemas"
install_config() {  # src dst: never clobber an operator's edits
    local src=$1 dst=$2
    if [[ -e $dst ]] && ! cmp -s "$src" "$dst"; then
        install -m 0644 "$src" "$dst.new"
        log "kept existing $dst; new version is $dst.new"
    else
        install -m 0644 "$src" "$dst"
        log "config -> $dst"
    fi
}
install_config deploy/config.yaml "$ETC/config.yaml"
for s in deploy/schemas/*.avsc; do install -m 0644 "$s" "$ETC/schemas/"; done
log "schemas -> $ETC/schemas ($(ls deploy/schemas/*.avsc | wc -l) files)"
if [[ -f deploy/tariffs.yaml ]]; then
    install_config deploy/tariffs.yaml "$ETC/tariffs.yaml"
else
    log "deploy/tariffs.yaml not present: install a tariff catalog at $ETC/tariffs.yaml (tariffs.path)"
fi

# --- credentials ----------------------------------------------------------------------------
install -d -m 0700 "$ETC/credentials"
chmod 0700 "$ETC/credentials"
for c in kafka-client-secret blob-sas-token blob-shared-key events-webhook-secret; do
    if [[ ! -e $ETC/credentials/$c ]]; then
        install -m 0600 /dev/null "$ETC/credentials/$c"
        log "created empty credential $ETC/credentials/$c (fill it in if you use it)"
    fi
done
if [[ ! -s $ETC/credentials/admin-token ]]; then
    # A random admin token, so POST /admin/close is never open by default.
    ( umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$ETC/credentials/admin-token" )
    chmod 0600 "$ETC/credentials/admin-token"
    log "generated a random admin token in $ETC/credentials/admin-token"
fi

# --- systemd --------------------------------------------------------------------------------
if [[ -z $DESTDIR && -d /run/systemd/system ]]; then
    systemctl daemon-reload
    log "systemctl daemon-reload done. Next: systemctl enable --now aura-billing.service aura-billing-close.timer"
else
    log "systemd not running here (or staged install): no daemon-reload"
fi
