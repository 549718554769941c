#!/usr/bin/env bash
# Docker registries for the tests: registry.sh up|down
# Three distribution 2.8 (`docker-registry serve CONFIG`) processes on 127.0.0.1:
#   basic  HTTP,  htpasswd Basic auth (user berth, random bcrypt password)
#   token  HTTP,  auth.token Bearer flow against test/env/token-server.mjs (same user/password)
#   tls    HTTPS (self-signed cert), the basic registry's storage and htpasswd, for TLS-error tests
# REGISTRY_NOTIFY_URL, if set, becomes a notifications endpoint of the basic registry.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REG_DIR="$BERTH_TEST_STATE/registry"
REG_USER=berth
TOKEN_SERVICE=berth-test-registry
TOKEN_ISSUER=berth-test-token-server
PROCS=(registry-token-server registry-basic registry-token registry-tls)
DOCKER_CLI="${DOCKER_CLI:-$([[ -x /usr/bin/docker ]] && echo /usr/bin/docker || command -v docker)}"

running() {
  [[ -f $BERTH_TEST_STATE/registry.env ]] || return 1
  local p
  for p in "${PROCS[@]}"; do pid_alive "$p" || return 1; done
  # a different notification URL needs a restart
  [[ "$(sed -n 's/^REGISTRY_NOTIFY_URL=//p' "$BERTH_TEST_STATE/registry.env")" == "${REGISTRY_NOTIFY_URL:-}" ]]
}

# curl_auth USER:PASSWORD CURL-ARGS...: Basic credentials through a config on stdin, not argv
curl_auth() {
  local creds=$1; shift
  printf 'user = "%s"\n' "$creds" | curl -K - "$@"
}

fail() {
  local name=$1; shift
  [[ -f $BERTH_TEST_STATE/logs/$name.log ]] && tail -n 20 "$BERTH_TEST_STATE/logs/$name.log" >&2
  die "registry: $* (log: $BERTH_TEST_STATE/logs/$name.log)"
}

wait_proc_port() {
  local name=$1 port=$2 i
  for ((i = 0; i < 300; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    pid_alive "$name" || fail "$name" "$name exited during start-up"
    sleep 0.1
  done
  fail "$name" "$name did not listen on 127.0.0.1:$port within 30s"
}

distinct_ports() {
  local -a ports=()
  local p
  while ((${#ports[@]} < $1)); do
    p=$(free_port)
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
  echo "${ports[@]}"
}

# registry_config ADDR STORAGE HTTP-EXTRA-YAML AUTH-YAML EXTRA-YAML
registry_config() {
  cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: "$2"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: "$1"
  secret: "$(openssl rand -hex 16)"
  headers:
    X-Content-Type-Options: [nosniff]
$3
$4
$5
EOF
}

start_registry() {
  local name=$1 config=$2
  # A clean environment: distribution reads REGISTRY_* variables as config overrides.
  start_bg "$name" "$BERTH_TEST_STATE/logs/$name.log" \
    env -i PATH="$PATH" HOME="$REG_DIR" docker-registry serve "$config"
}

verify_http() {
  local basic=$1 token=$2 tls=$3 password=$4 code hdr realm svc tok
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$basic/v2/")
  [[ $code == 401 ]] || die "registry: basic /v2/ without auth gave $code, want 401"
  code=$(curl_auth "$REG_USER:$password" -s -o /dev/null -w '%{http_code}' "http://$basic/v2/")
  [[ $code == 200 ]] || die "registry: basic /v2/ with auth gave $code, want 200"
  code=$(curl_auth "$REG_USER:wrong" -s -o /dev/null -w '%{http_code}' "http://$basic/v2/")
  [[ $code == 401 ]] || die "registry: basic /v2/ with a wrong password gave $code, want 401"

  hdr=$(curl -s -o /dev/null -D - "http://$token/v2/" | tr -d '\r' | grep -i '^www-authenticate:' || true)
  [[ $hdr == *Bearer* ]] || die "registry: token /v2/ did not send a Bearer challenge: '$hdr'"
  realm=$(sed -n 's/.*realm="\([^"]*\)".*/\1/p' <<<"$hdr")
  svc=$(sed -n 's/.*service="\([^"]*\)".*/\1/p' <<<"$hdr")
  code=$(curl_auth "$REG_USER:wrong" -s -o /dev/null -w '%{http_code}' "$realm?service=$svc")
  [[ $code == 401 ]] || die "registry: token server accepted a wrong password ($code)"
  tok=$(curl_auth "$REG_USER:$password" -fsS "$realm?service=$svc&scope=repository:berth-test/busybox:pull&account=$REG_USER" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
  code=$(printf 'header = "Authorization: Bearer %s"\n' "$tok" | curl -K - -s -o /dev/null -w '%{http_code}' "http://$token/v2/")
  [[ $code == 200 ]] || die "registry: token /v2/ with a Bearer token gave $code, want 200 (see $BERTH_TEST_STATE/logs/registry-token.log)"

  code=$(curl_auth "$REG_USER:$password" -s -o /dev/null -w '%{http_code}' --cacert "$REG_DIR/tls.crt" "https://$tls/v2/")
  [[ $code == 200 ]] || die "registry: tls /v2/ with auth and the CA gave $code, want 200"
  if curl -s -o /dev/null "https://$tls/v2/"; then die "registry: tls registry was trusted without its CA"; fi
  log "registry: curl checks passed (basic 401/200, bearer challenge->token->200, tls)"
}

verify_docker() {
  local basic=$1 token=$2 password=$3 dc addr ref
  if [[ ! -f $BERTH_TEST_STATE/docker.env ]]; then
    log "registry: docker.env missing; skipping the docker login/push/pull check"
    return 0
  fi
  local dhost image
  dhost=$(sed -n 's/^DOCKER_HOST=//p' "$BERTH_TEST_STATE/docker.env")
  image=$(sed -n 's/^TEST_IMAGE=//p' "$BERTH_TEST_STATE/docker.env")
  dc=$(mktemp -d "$BERTH_TEST_STATE/docker-config.XXXXXX")
  for addr in "$basic" "$token"; do
    ref="$addr/$image"
    {
      printf '%s' "$password" | DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" login "$addr" -u "$REG_USER" --password-stdin &&
        DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" tag "$image" "$ref" &&
        DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" push "$ref" &&
        DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" rmi "$ref" &&
        DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" pull "$ref" &&
        DOCKER_CONFIG=$dc DOCKER_HOST=$dhost "$DOCKER_CLI" rmi "$ref"
    } >"$BERTH_TEST_STATE/logs/registry-docker-check.log" 2>&1 || {
      rm -rf "$dc"
      tail -n 20 "$BERTH_TEST_STATE/logs/registry-docker-check.log" >&2
      die "registry: docker login/push/pull against $addr failed"
    }
  done
  rm -rf "$dc"
  log "registry: docker login/push/pull of $image passed on basic and token registries"
}

up() {
  if running; then
    log "registry: already running"
    return 0
  fi
  rm -f "$BERTH_TEST_STATE/registry.env" # no stale env if this start fails
  local p
  for p in "${PROCS[@]}"; do stop_pid "$p" 5 & done
  wait
  command -v docker-registry >/dev/null || die "registry: docker-registry not installed (apt package docker-registry)"
  command -v htpasswd >/dev/null || die "registry: htpasswd not installed (apt package apache2-utils)"
  rm -rf "$REG_DIR"
  mkdir -p "$REG_DIR/data-basic" "$REG_DIR/data-token"
  chmod 700 "$REG_DIR"

  local password
  password=$(openssl rand -hex 16)
  # -i reads the password from stdin (same bcrypt entry as `htpasswd -Bbn`, password off argv)
  printf '%s' "$password" | htpasswd -Bin "$REG_USER" >"$REG_DIR/htpasswd" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=berth-test token signer" \
    -keyout "$REG_DIR/token.key" -out "$REG_DIR/token.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$REG_DIR/tls.key" -out "$REG_DIR/tls.crt" 2>/dev/null

  # Token server first: the token registry's config needs its realm.
  rm -f "$REG_DIR/token-server.port"
  (
    # exported, not passed on a command line, so the password stays out of ps
    export TOKEN_KEY_FILE="$REG_DIR/token.key" TOKEN_CERT_FILE="$REG_DIR/token.crt" \
      TOKEN_ISSUER="$TOKEN_ISSUER" TOKEN_SERVICE="$TOKEN_SERVICE" \
      TOKEN_USER="$REG_USER" TOKEN_PASSWORD="$password" TOKEN_PORT=0 \
      TOKEN_PORT_FILE="$REG_DIR/token-server.port" TOKEN_KEY_REF="${REGISTRY_TOKEN_KEY_REF:-x5c}"
    start_bg registry-token-server "$BERTH_TEST_STATE/logs/registry-token-server.log" node "$HERE/token-server.mjs"
  )
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $REG_DIR/token-server.port ]] && break
    pid_alive registry-token-server || fail registry-token-server "token server exited during start-up"
    sleep 0.1
  done
  [[ -s $REG_DIR/token-server.port ]] || fail registry-token-server "token server did not start within 10s"
  local tport realm
  tport=$(cat "$REG_DIR/token-server.port")
  realm="http://127.0.0.1:$tport/token"

  local bport kport sport
  read -r bport kport sport <<<"$(distinct_ports 3)"

  local notify=""
  if [[ -n ${REGISTRY_NOTIFY_URL:-} ]]; then
    notify=$(
      cat <<EOF
notifications:
  events:
    includereferences: true
  endpoints:
    - name: berth-test
      url: "$REGISTRY_NOTIFY_URL"
      timeout: 2s
      threshold: 5
      backoff: 1s
EOF
    )
  fi
  local htpasswd_auth
  htpasswd_auth=$(printf 'auth:\n  htpasswd:\n    realm: berth-test-registry\n    path: "%s"\n' "$REG_DIR/htpasswd")

  local tls_http
  tls_http=$(printf '  tls:\n    certificate: "%s"\n    key: "%s"\n' "$REG_DIR/tls.crt" "$REG_DIR/tls.key")
  registry_config "127.0.0.1:$bport" "$REG_DIR/data-basic" "" "$htpasswd_auth" "$notify" >"$REG_DIR/basic.yml"
  registry_config "127.0.0.1:$kport" "$REG_DIR/data-token" "" "$(
    cat <<EOF
auth:
  token:
    realm: "$realm"
    service: "$TOKEN_SERVICE"
    issuer: "$TOKEN_ISSUER"
    rootcertbundle: "$REG_DIR/token.crt"
EOF
  )" "" >"$REG_DIR/token.yml"
  # Same storage and users as basic, over HTTPS with a self-signed cert.
  registry_config "127.0.0.1:$sport" "$REG_DIR/data-basic" "$tls_http" "$htpasswd_auth" "" >"$REG_DIR/tls.yml"

  start_registry registry-basic "$REG_DIR/basic.yml"
  start_registry registry-token "$REG_DIR/token.yml"
  start_registry registry-tls "$REG_DIR/tls.yml"
  wait_proc_port registry-basic "$bport"
  wait_proc_port registry-token "$kport"
  wait_proc_port registry-tls "$sport"

  verify_http "127.0.0.1:$bport" "127.0.0.1:$kport" "127.0.0.1:$sport" "$password"
  verify_docker "127.0.0.1:$bport" "127.0.0.1:$kport" "$password"

  local extra=()
  [[ -n ${REGISTRY_NOTIFY_URL:-} ]] && extra+=("REGISTRY_NOTIFY_URL=$REGISTRY_NOTIFY_URL")
  write_env registry \
    "REGISTRY_BASIC_ADDR=127.0.0.1:$bport" \
    "REGISTRY_TOKEN_ADDR=127.0.0.1:$kport" \
    "REGISTRY_TOKEN_REALM=$realm" \
    "REGISTRY_TOKEN_SERVICE=$TOKEN_SERVICE" \
    "REGISTRY_TLS_ADDR=127.0.0.1:$sport" \
    "REGISTRY_TLS_CA=$REG_DIR/tls.crt" \
    "REGISTRY_USER=$REG_USER" \
    "REGISTRY_PASSWORD=$password" \
    "${extra[@]}"
  log "registry: basic 127.0.0.1:$bport, token 127.0.0.1:$kport (realm $realm), tls 127.0.0.1:$sport"
}

down() {
  rm -f "$BERTH_TEST_STATE/registry.env"
  local p
  # in parallel: each registry takes about 2s to exit on SIGTERM
  for p in "${PROCS[@]}"; do stop_pid "$p" 10 & done
  wait
  log "registry: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: registry.sh up|down" ;;
esac
