#!/usr/bin/env bash
# Git smart-HTTP server for the tests: git.sh up|down
# test/env/git-server.mjs (Basic auth, user berth, random password) in front of
# `git http-backend`, serving bare repos demo.git (main, release-1.0, tag v1.0.0, k8s
# manifests under deploy/) and empty.git.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GIT_STATE="$BERTH_TEST_STATE/git"
REPOS="$GIT_STATE/repos"
GIT_USER_NAME=berth

running() { [[ -f $BERTH_TEST_STATE/git.env ]] && pid_alive git-server; }

# Git with no user/system config, no prompts: only what the caller passes with -c.
isolated_git() {
  HOME="$GIT_STATE/home" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=/bin/false SSH_ASKPASS=/bin/false \
    git -c init.defaultBranch=main -c advice.detachedHead=false "$@"
}

# commit_at WORKTREE N MESSAGE: commit everything with a fixed identity and date, so SHAs are stable
commit_at() {
  local wt=$1 n=$2 msg=$3 date
  date="2024-01-0${n}T12:00:00Z"
  isolated_git -C "$wt" add -A
  GIT_AUTHOR_NAME="Berth Test" GIT_AUTHOR_EMAIL=test@berth.invalid GIT_AUTHOR_DATE=$date \
    GIT_COMMITTER_NAME="Berth Test" GIT_COMMITTER_EMAIL=test@berth.invalid GIT_COMMITTER_DATE=$date \
    isolated_git -C "$wt" commit -q -m "$msg"
}

manifests() { # manifests WORKTREE IMAGE REPLICAS
  mkdir -p "$1/deploy"
  cat >"$1/deploy/deployment.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels:
    app: demo
spec:
  replicas: $3
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
        - name: app
          image: $2
          command: ["/bin/sleep", "3600"]
          ports:
            - containerPort: 8080
EOF
  cat >"$1/deploy/service.yaml" <<EOF
apiVersion: v1
kind: Service
metadata:
  name: demo
  labels:
    app: demo
spec:
  selector:
    app: demo
  ports:
    - name: http
      port: 80
      targetPort: 8080
EOF
}

seed_repos() {
  rm -rf "$REPOS" "$GIT_STATE/home"
  mkdir -p "$REPOS" "$GIT_STATE/home"
  isolated_git init -q --bare "$REPOS/demo.git"
  isolated_git init -q --bare "$REPOS/empty.git"
  local wt
  wt=$(mktemp -d "$GIT_STATE/seed.XXXXXX")
  isolated_git init -q "$wt"
  printf '# demo\n\nManifests for berth'\''s runtime tests live in deploy/.\n' >"$wt/README.md"
  manifests "$wt" berth-test/busybox:1 1
  commit_at "$wt" 1 "Add demo Deployment and Service"
  printf 'replicas and image are changed by later commits\n' >>"$wt/README.md"
  commit_at "$wt" 2 "Describe the repository"
  isolated_git -C "$wt" branch release-1.0
  manifests "$wt" berth-test/busybox:1 2
  commit_at "$wt" 3 "Scale demo to 2 replicas"
  isolated_git -C "$wt" checkout -q release-1.0
  printf '1.0.0\n' >"$wt/VERSION"
  commit_at "$wt" 4 "Release 1.0"
  isolated_git -C "$wt" tag v1.0.0
  isolated_git -C "$wt" checkout -q main
  isolated_git -C "$wt" push -q "$REPOS/demo.git" main release-1.0 v1.0.0
  rm -rf "$wt"
}

# Clone, ls-remote and push through the server with credentials from a credential helper.
verify() {
  local base=$1 password=$2 tmp out
  tmp=$(mktemp -d "$GIT_STATE/verify.XXXXXX")
  # git credential-store: a real helper, fed through stdin so the password stays off argv
  printf 'protocol=http\nhost=%s\nusername=%s\npassword=%s\n\n' "${base#http://}" "$GIT_USER_NAME" "$password" |
    isolated_git credential-store --file "$tmp/credentials" store
  local helper="store --file=$tmp/credentials"

  if isolated_git ls-remote "$base/demo.git" >/dev/null 2>&1; then
    rm -rf "$tmp"; die "git: ls-remote without credentials succeeded"
  fi
  out=$(isolated_git -c credential.helper="$helper" ls-remote "$base/demo.git") || { rm -rf "$tmp"; die "git: ls-remote with credentials failed"; }
  [[ $out == *refs/heads/main* && $out == *refs/heads/release-1.0* ]] || { rm -rf "$tmp"; die "git: ls-remote did not list main and release-1.0: $out"; }

  isolated_git -c credential.helper="$helper" clone -q "$base/demo.git" "$tmp/clone" || { rm -rf "$tmp"; die "git: clone failed"; }
  [[ -f $tmp/clone/deploy/deployment.yaml ]] || { rm -rf "$tmp"; die "git: clone has no deploy/deployment.yaml"; }
  echo verify >"$tmp/clone/verify.txt"
  commit_at "$tmp/clone" 9 "verify push"
  # push to a scratch branch and delete it again, so demo.git keeps its seeded refs
  isolated_git -C "$tmp/clone" -c credential.helper="$helper" push -q origin HEAD:refs/heads/berth-verify ||
    { rm -rf "$tmp"; die "git: push failed"; }
  isolated_git -C "$tmp/clone" -c credential.helper="$helper" push -q origin --delete berth-verify ||
    { rm -rf "$tmp"; die "git: push --delete failed"; }
  isolated_git -c credential.helper="$helper" ls-remote "$base/empty.git" >/dev/null || { rm -rf "$tmp"; die "git: ls-remote of empty.git failed"; }
  rm -rf "$tmp"
  log "git: ls-remote, clone and push with a credential helper passed"
}

up() {
  if running; then
    log "git: already running"
    return 0
  fi
  rm -f "$BERTH_TEST_STATE/git.env" # no stale env if this start fails
  stop_pid git-server 5
  command -v git >/dev/null || die "git: git not installed"
  mkdir -p "$GIT_STATE"
  chmod 700 "$GIT_STATE"
  seed_repos

  local password port i
  password=$(openssl rand -hex 16)
  rm -f "$GIT_STATE/port"
  (
    # exported, not on a command line, so the password stays out of ps
    export GIT_SERVER_USER=$GIT_USER_NAME GIT_SERVER_PASSWORD=$password GIT_SERVER_ROOT=$REPOS \
      GIT_SERVER_PORT=0 GIT_SERVER_PORT_FILE="$GIT_STATE/port"
    start_bg git-server "$BERTH_TEST_STATE/logs/git-server.log" node "$HERE/git-server.mjs"
  )
  for ((i = 0; i < 100; i++)); do
    [[ -s $GIT_STATE/port ]] && break
    pid_alive git-server || { tail -n 20 "$BERTH_TEST_STATE/logs/git-server.log" >&2; die "git: git-server exited during start-up"; }
    sleep 0.1
  done
  [[ -s $GIT_STATE/port ]] || die "git: git-server did not start within 10s (log: $BERTH_TEST_STATE/logs/git-server.log)"
  port=$(cat "$GIT_STATE/port")

  verify "http://127.0.0.1:$port" "$password"
  write_env git \
    "GIT_BASE_URL=http://127.0.0.1:$port" \
    "GIT_USER=$GIT_USER_NAME" \
    "GIT_PASSWORD=$password" \
    "GIT_REPO_URL=http://127.0.0.1:$port/demo.git" \
    "GIT_EMPTY_REPO_URL=http://127.0.0.1:$port/empty.git"
  log "git: serving $REPOS on http://127.0.0.1:$port"
}

down() {
  rm -f "$BERTH_TEST_STATE/git.env"
  stop_pid git-server 10
  log "git: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: git.sh up|down" ;;
esac
