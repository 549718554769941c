#!/usr/bin/env bash
# Stop every test service, then any process still recorded in $BERTH_TEST_STATE/pids.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for svc in git registry docker kube; do
  [[ -f $HERE/$svc.sh ]] || continue
  bash "$HERE/$svc.sh" down || log "warning: $svc.sh down failed (exit $?); its pids are killed below"
done

# Whatever is left (a service whose down failed, or one without a down): TERM, wait, KILL.
shopt -s nullglob
pids=()
for f in "$BERTH_TEST_STATE"/pids/*.pid; do
  pid=$(cat "$f" 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping leftover $(basename "$f" .pid) (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  fi
  rm -f "$f"
done
for ((i = 0; i < 150 && ${#pids[@]} > 0; i++)); do
  alive=()
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
  pids=("${alive[@]}")
  ((${#pids[@]} == 0)) || sleep 0.1
done
if ((${#pids[@]} > 0)); then
  log "SIGKILL to pids that ignored SIGTERM: ${pids[*]}"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.5
fi
left=()
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
((${#left[@]} == 0)) || die "processes still alive after SIGKILL: ${left[*]}"
log "all test services stopped"
