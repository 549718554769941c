#!/usr/bin/env bash
# The whole test run, from a clean checkout: npm ci, build, lint and type-check, install
# and start the real test services (Docker engine, registries, git server, Kubernetes,
# GNOME Keyring on a private D-Bus session), run every mocha test, stop what it started.
# Services already started by `bash test/env/up.sh` are reused and left running.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
: "${BERTH_TEST_STATE:=/tmp/berth-test}"
: "${BERTH_TEST_CACHE:=$HOME/.cache/berth-test}"
export BERTH_TEST_STATE BERTH_TEST_CACHE
say() { printf '\n==> %s\n' "$*" >&2; }

if [[ ! -d node_modules ]] || ! cmp -s package-lock.json node_modules/.berth-lock-stamp; then
  say "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.berth-lock-stamp
fi

say "build"
npm run build --silent

say "lint and type-check"
npx eslint .
npx tsc -p tsconfig.test.json

started=0
services_running() {
  local svc f pid
  for svc in docker registry git kube; do [[ -f $BERTH_TEST_STATE/$svc.env ]] || return 1; done
  for f in "$BERTH_TEST_STATE"/pids/*.pid; do
    [[ -f $f ]] || return 1
    pid=$(cat "$f")
    kill -0 "$pid" 2>/dev/null || return 1
  done
}
cleanup() {
  if ((started)); then
    say "stopping test services"
    bash test/env/down.sh || true
  fi
}
trap cleanup EXIT

if [[ $(id -u) -ne 0 && -z ${CI:-} ]]; then
  printf '\n!!! Not root: the real test services (Docker engine, registries, git, Kubernetes, keychain)\n!!! cannot be installed or started here; their tests will SKIP. CI runs them all.\n\n' >&2
elif services_running; then
  say "reusing the test services already running in $BERTH_TEST_STATE"
else
  say "starting test services"
  started=1
  bash test/env/up.sh
fi

say "tests"
log="$BERTH_TEST_STATE/logs/mocha.log"
mkdir -p "$(dirname "$log")"
set +e
if [[ $(id -u) -eq 0 || -n ${CI:-} ]]; then
  # GNOME Keyring on a private D-Bus session: the keychain the tests read and write.
  # The keyring lives in a fresh directory of its own, so no earlier login keyring (another password) is met.
  keyring_home="$BERTH_TEST_STATE/keyring"
  rm -rf "$keyring_home" && mkdir -p "$keyring_home"
  KEYRING_HOME=$keyring_home dbus-run-session -- bash -c '
    XDG_DATA_HOME=$KEYRING_HOME gnome-keyring-daemon --foreground --unlock --components=secrets <<<"berth-test" >/dev/null 2>&1 &
    kpid=$!
    for _ in $(seq 100); do
      dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
      sleep 0.1
    done
    export BERTH_KEYCHAIN_SERVICE=berth-test
    npx mocha "test/**/*.test.ts"; rc=$?
    kill $kpid 2>/dev/null; wait $kpid 2>/dev/null
    exit $rc' 2>&1 | tee "$log"
else
  npx mocha "test/**/*.test.ts" 2>&1 | tee "$log"
fi
rc=${PIPESTATUS[0]}
set -e
passed=$(grep -aEo '^ +[0-9]+ passing' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -aEo '^ +[0-9]+ failing' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
skipped=$(grep -aEo '^ +[0-9]+ pending' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
echo
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$rc"
