#!/usr/bin/env bash
# Install the Debian packages the test services need; does nothing when all are present.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  docker.io docker-registry apache2-utils gnome-keyring dbus libsecret-tools
  busybox-static openssl git tmux ca-certificates curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg -s succeeds for removed-but-configured packages too; require "install ok installed"
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  log "install: all ${#PACKAGES[@]} packages present"
  exit 0
fi

log "install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
apt-get update -qq >"$BERTH_TEST_STATE/logs/apt-update.log" 2>&1 \
  || { tail -n 30 "$BERTH_TEST_STATE/logs/apt-update.log" >&2; die "install: apt-get update failed"; }
apt-get install -y -qq "${missing[@]}" >"$BERTH_TEST_STATE/logs/apt-install.log" 2>&1 \
  || { tail -n 30 "$BERTH_TEST_STATE/logs/apt-install.log" >&2; die "install: apt-get install failed"; }
log "install: done"
