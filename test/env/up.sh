#!/usr/bin/env bash
# Start every test service: install packages, (build and start Kubernetes if its scripts
# exist), then docker, registry, git. Each service writes $BERTH_TEST_STATE/<service>.env.
# Services that fail are named at the end and make the script exit 1; the others still start.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

t_all=$EPOCHREALTIME
failed=()
timings=()

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME CMD...: run one service's start-up, record its time, keep going on failure
step() {
  local name=$1 t0=$EPOCHREALTIME rc=0; shift
  log "---- $name: starting"
  "$@" || rc=$?
  timings+=("$name $(elapsed "$t0")s")
  if ((rc == 0)); then
    log "---- $name: ready in $(elapsed "$t0")s"
  else
    failed+=("$name")
    log "!!!! $name: DID NOT START (exit $rc, after $(elapsed "$t0")s); logs in $BERTH_TEST_STATE/logs"
  fi
}

step install bash "$HERE/install.sh"
if [[ " ${failed[*]} " == *" install "* ]]; then
  die "install.sh failed: no service can start without its packages"
fi

if [[ -f $HERE/build-kube.sh ]]; then
  step kube-build bash "$HERE/build-kube.sh"
fi
if [[ -f $HERE/kube.sh ]]; then
  if [[ " ${failed[*]} " == *" kube-build "* ]]; then
    failed+=(kube)
    log "!!!! kube: NOT STARTED because build-kube.sh failed"
  else
    step kube bash "$HERE/kube.sh" up
  fi
fi
step gotemplate bash "$HERE/build-gotemplate.sh"
step helm-build bash "$HERE/build-helm.sh"
step docker bash "$HERE/docker.sh" up
step node-image bash "$HERE/node-image.sh"
step registry bash "$HERE/registry.sh" up
step git bash "$HERE/git.sh" up
step tekton-build bash "$HERE/build-tekton.sh"

log "timings: ${timings[*]}"
log "total: $(elapsed "$t_all")s (state: $BERTH_TEST_STATE)"
if ((${#failed[@]} > 0)); then
  printf '\n[test-env] ########################################################\n' >&2
  printf '[test-env] SERVICES THAT DID NOT START: %s\n' "${failed[*]}" >&2
  printf '[test-env] logs: %s/logs\n' "$BERTH_TEST_STATE" >&2
  printf '[test-env] ########################################################\n\n' >&2
  exit 1
fi
log "all services up"
