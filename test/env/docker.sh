#!/usr/bin/env bash
# Private Docker engine for the tests: docker.sh up|down
# dockerd 20.10 (Debian docker.io) on its own unix socket, data root, exec root, pidfile and
# containerd namespace, so it never touches a system docker. No image can be pulled, so the
# test image is built from busybox-static and `docker import`ed.
# BERTH_TEST_DOCKER_ROOT overrides the data root (/var/lib/berth-test-docker), e.g. to run a
# second environment with another BERTH_TEST_STATE beside this one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKER_DIR="$BERTH_TEST_STATE/docker"
SOCK="$DOCKER_DIR/docker.sock"
EXEC_ROOT="$DOCKER_DIR/exec"
DATA_ROOT="${BERTH_TEST_DOCKER_ROOT:-/var/lib/berth-test-docker}"
TEST_IMAGE="berth-test/busybox:1"
# Debian's CLI matches the daemon; a newer CLI elsewhere on PATH also works but is not needed.
DOCKER_CLI="${DOCKER_CLI:-$([[ -x /usr/bin/docker ]] && echo /usr/bin/docker || command -v docker)}"

docker_cli() { DOCKER_CONFIG="$DOCKER_DIR/cli-config" DOCKER_HOST="unix://$SOCK" "$DOCKER_CLI" "$@"; }
ping_ok() { [[ -S $SOCK ]] && [[ "$(curl -fsS --max-time 2 --unix-socket "$SOCK" http://localhost/_ping 2>/dev/null)" == OK ]]; }

build_image() {
  if docker_cli image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    log "docker: $TEST_IMAGE already present"
    return 0
  fi
  local bb=/bin/busybox sum tarball root
  [[ -x $bb ]] || die "docker: $bb missing (apt package busybox-static)"
  sum=$(sha256sum "$bb" | cut -c1-16)
  tarball="$BERTH_TEST_CACHE/busybox-rootfs-$sum.tar"
  if [[ ! -s $tarball ]]; then
    root=$(mktemp -d "$BERTH_TEST_STATE/rootfs.XXXXXX")
    mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev}
    chmod 1777 "$root/tmp"
    cp "$bb" "$root/bin/busybox"
    for applet in sh echo ls cat sleep true env; do ln -s busybox "$root/bin/$applet"; done
    printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  docker_cli import --change 'CMD ["/bin/sh"]' "$tarball" "$TEST_IMAGE" >/dev/null ||
    die "docker: docker import of $tarball as $TEST_IMAGE failed"
  log "docker: imported $TEST_IMAGE from $tarball"
}

up() {
  mkdir -p "$DOCKER_DIR/cli-config" "$EXEC_ROOT" "$DATA_ROOT"
  if pid_alive docker-dockerd && ping_ok; then
    log "docker: already running (pid $(cat "$BERTH_TEST_STATE/pids/docker-dockerd.pid"))"
  else
    rm -f "$BERTH_TEST_STATE/docker.env" # no stale env if this start fails
    [[ -x $(command -v dockerd) ]] || die "docker: dockerd not installed (apt package docker.io)"
    stop_pid docker-dockerd 20
    stop_pid docker-containerd 5
    local other
    other=$(pgrep -f -- "dockerd .*--data-root $DATA_ROOT( |\$)" | paste -sd' ' || true)
    [[ -z $other ]] || die "docker: another dockerd (pid $other) uses data root $DATA_ROOT; stop it or set BERTH_TEST_DOCKER_ROOT"
    # An empty config file so /etc/docker/daemon.json cannot change the test daemon.
    echo '{}' >"$DOCKER_DIR/daemon.json"
    start_bg docker-dockerd "$BERTH_TEST_STATE/logs/dockerd.log" \
      dockerd --config-file "$DOCKER_DIR/daemon.json" \
      --host "unix://$SOCK" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
      --pidfile "$DOCKER_DIR/dockerd.pid" \
      --containerd-namespace berth-test --containerd-plugins-namespace berth-test-plugins \
      --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs
    local i
    for ((i = 0; i < 600; i++)); do
      ping_ok && break
      pid_alive docker-dockerd || { tail -n 30 "$BERTH_TEST_STATE/logs/dockerd.log" >&2; die "docker: dockerd exited during start-up (log: $BERTH_TEST_STATE/logs/dockerd.log)"; }
      sleep 0.1
    done
    ping_ok || { tail -n 30 "$BERTH_TEST_STATE/logs/dockerd.log" >&2; die "docker: /_ping did not answer within 60s"; }
    # dockerd supervises its own containerd; record it so down.sh can stop it if dockerd dies.
    if [[ -s $EXEC_ROOT/containerd/containerd.pid ]]; then
      echo "$(<"$EXEC_ROOT/containerd/containerd.pid")" >"$BERTH_TEST_STATE/pids/docker-containerd.pid"
    fi
    log "docker: dockerd $(docker_cli version --format '{{.Server.Version}}') up on $SOCK"
  fi
  build_image
  write_env docker "DOCKER_HOST=unix://$SOCK" "DOCKER_SOCKET=$SOCK" "TEST_IMAGE=$TEST_IMAGE"
}

down() {
  rm -f "$BERTH_TEST_STATE/docker.env"
  # dockerd stops its containers and its containerd on SIGTERM; give it time to do so.
  stop_pid docker-dockerd 30
  stop_pid docker-containerd 10
  log "docker: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: docker.sh up|down" ;;
esac
