#!/usr/bin/env bash
# Shared helpers for the test-service scripts. Source it; do not run it.
# Contract: every service writes KEY=VALUE lines to $BERTH_TEST_STATE/<service>.env
# and the pid of every process it starts to $BERTH_TEST_STATE/pids/<service>-<proc>.pid,
# so down.sh can stop everything by pid.
set -euo pipefail

: "${BERTH_TEST_STATE:=/tmp/berth-test}"
: "${BERTH_TEST_CACHE:=$HOME/.cache/berth-test}"
export BERTH_TEST_STATE BERTH_TEST_CACHE
mkdir -p "$BERTH_TEST_STATE/pids" "$BERTH_TEST_STATE/logs" "$BERTH_TEST_CACHE"

log() { printf '[test-env] %s\n' "$*" >&2; }
die() { printf '[test-env] ERROR: %s\n' "$*" >&2; exit 1; }

# free_port: print a free TCP port on 127.0.0.1
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# wait_for_port PORT [SECONDS]
wait_for_port() {
  local port=$1 secs=${2:-60} i
  for ((i = 0; i < secs * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# start_bg NAME LOGFILE CMD... : start CMD in the background, record its pid
start_bg() {
  local name=$1 logf=$2; shift 2
  "$@" >"$logf" 2>&1 &
  echo $! >"$BERTH_TEST_STATE/pids/$name.pid"
}

# pid_alive NAME
pid_alive() {
  local f="$BERTH_TEST_STATE/pids/$1.pid"
  [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

# write_env SERVICE KEY=VALUE... : (re)write the service's env file atomically
write_env() {
  local svc=$1; shift
  local tmp="$BERTH_TEST_STATE/.$svc.env.tmp"
  printf '%s\n' "$@" >"$tmp"
  mv "$tmp" "$BERTH_TEST_STATE/$svc.env"
}

# stop_pid NAME [SECONDS]: SIGTERM the recorded pid, SIGKILL after SECONDS (default 15), drop the pid file
stop_pid() {
  local f="$BERTH_TEST_STATE/pids/$1.pid" secs=${2:-15} pid i
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$1 (pid $pid) ignored SIGTERM; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  fi
  rm -f "$f"
}
