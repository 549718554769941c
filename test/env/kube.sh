#!/usr/bin/env bash
# Real Kubernetes control plane for integration tests:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (fake nodes).
#   bash test/env/kube.sh up     # start (no-op if already running), write kube.env
#   bash test/env/kube.sh down   # stop what `up` started, remove its state
# Binaries come from test/env/build-kube.sh ($BERTH_TEST_CACHE/kube-$KUBE_VERSION/bin).
# Everything listens on 127.0.0.1 only; pids go to $BERTH_TEST_STATE/pids/kube-*.pid.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"

: "${KUBE_VERSION:=v1.34.2}"
KUBE_BIN_DIR="$BERTH_TEST_CACHE/kube-$KUBE_VERSION/bin"
KSTATE="$BERTH_TEST_STATE/kube"
KLOGS="$BERTH_TEST_STATE/logs"
KUBECTL="$KUBE_BIN_DIR/kubectl"
# Stop order (reverse of start order).
PROCS=(kube-kwok kube-scheduler kube-controller-manager kube-apiserver kube-etcd)
NODES=(kwok-node-0 kwok-node-1)

pidfile() { echo "$BERTH_TEST_STATE/pids/$1.pid"; }

stop_all() {
  local p pid f i alive=()
  for p in "${PROCS[@]}"; do
    f=$(pidfile "$p")
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      alive+=("$pid")
    fi
  done
  # Wait up to 10 s for a clean exit, then SIGKILL whatever is left.
  for ((i = 0; i < 100 && ${#alive[@]} > 0; i++)); do
    local still=()
    for pid in "${alive[@]}"; do kill -0 "$pid" 2>/dev/null && still+=("$pid"); done
    alive=("${still[@]+"${still[@]}"}")
    [[ ${#alive[@]} -gt 0 ]] && sleep 0.1
  done
  for pid in "${alive[@]+"${alive[@]}"}"; do
    log "kube: pid $pid did not exit, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
  for p in "${PROCS[@]}"; do rm -f "$(pidfile "$p")"; done
}

down() {
  stop_all
  rm -rf "$KSTATE"
  rm -f "$BERTH_TEST_STATE/kube.env"
  log "kube: down"
}

kc() { "$KUBECTL" --kubeconfig "$KSTATE/admin.kubeconfig" "$@"; }

running() {
  local p
  for p in "${PROCS[@]}"; do pid_alive "$p" || return 1; done
  [[ -f $BERTH_TEST_STATE/kube.env && -f $KSTATE/admin.kubeconfig ]] || return 1
  [[ "$(kc get --raw /readyz 2>/dev/null)" == ok ]]
}

# kubeconfig FILE SERVER TOKEN USER
write_kubeconfig() {
  local file=$1 server=$2 token=$3 user=$4 ca
  ca=$(base64 -w0 <"$KSTATE/pki/ca.crt")
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: berth-test
  cluster:
    server: $server
    certificate-authority-data: $ca
users:
- name: $user
  user:
    token: $token
contexts:
- name: $user@berth-test
  context:
    cluster: berth-test
    user: $user
    namespace: default
current-context: $user@berth-test
preferences: {}
EOF
  chmod 600 "$file"
}

make_pki() {
  local pki="$KSTATE/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    # CA, then a serving cert for 127.0.0.1/localhost (+ in-cluster names) signed by it.
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout ca.key -out ca.crt \
      -subj "/CN=berth-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    cat >apiserver.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 30 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # Service-account token signing key pair.
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  ) || die "kube: openssl failed"
}

wait_until() { # SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    check_alive
    sleep 0.25
  done
  die "kube: timed out after ${secs}s waiting for $what (logs: $KLOGS/kube-*.log)"
}

check_alive() {
  local p
  for p in "${STARTED[@]+"${STARTED[@]}"}"; do
    pid_alive "$p" || { tail -n 30 "$KLOGS/$p.log" >&2 || true; die "kube: $p exited (log: $KLOGS/$p.log)"; }
  done
}

readyz_ok() { [[ "$(curl -sS --max-time 2 --cacert "$KSTATE/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$SERVER/readyz")" == ok ]]; }
nodes_ready() {
  local n
  for n in "${NODES[@]}"; do
    [[ "$(kc get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]] || return 1
  done
}

up() {
  local t0=$SECONDS
  if running; then
    log "kube: already running ($(grep ^KUBE_SERVER= "$BERTH_TEST_STATE/kube.env"))"
    return 0
  fi
  local b
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwok-stages.yaml; do
    [[ -e $KUBE_BIN_DIR/$b ]] || die "kube: $KUBE_BIN_DIR/$b missing; run: bash test/env/build-kube.sh"
  done
  command -v openssl >/dev/null || die "kube: openssl is required (apt-get install -y openssl)"
  command -v curl >/dev/null || die "kube: curl is required (apt-get install -y curl)"

  # Half-running leftovers: clear them out and start fresh.
  stop_all
  rm -rf "$KSTATE"
  mkdir -p "$KSTATE/etcd" "$KSTATE/cert-dir" "$KLOGS"
  chmod 700 "$KSTATE" "$KSTATE/etcd"
  STARTED=()

  make_pki
  ADMIN_TOKEN=$(openssl rand -hex 24)
  RESTRICTED_TOKEN=$(openssl rand -hex 24)
  local kcm_token sched_token kwok_token
  kcm_token=$(openssl rand -hex 24)
  sched_token=$(openssl rand -hex 24)
  kwok_token=$(openssl rand -hex 24)
  # token,user,uid,"group1,group2"  -- berth-restricted has no groups and no RBAC bindings.
  cat >"$KSTATE/tokens.csv" <<EOF
$ADMIN_TOKEN,berth-admin,berth-admin,"system:masters"
$RESTRICTED_TOKEN,berth-restricted,berth-restricted
$kcm_token,system:kube-controller-manager,system:kube-controller-manager,"system:masters"
$sched_token,system:kube-scheduler,system:kube-scheduler,"system:masters"
$kwok_token,kwok,kwok,"system:masters"
EOF
  chmod 600 "$KSTATE/tokens.csv"

  local etcd_port etcd_peer api_port
  etcd_port=$(free_port); etcd_peer=$(free_port); api_port=$(free_port)
  while [[ $etcd_peer == "$etcd_port" ]]; do etcd_peer=$(free_port); done
  while [[ $api_port == "$etcd_port" || $api_port == "$etcd_peer" ]]; do api_port=$(free_port); done
  SERVER="https://127.0.0.1:$api_port"
  local etcd_url="http://127.0.0.1:$etcd_port"

  # ---- etcd
  log "kube: starting etcd on 127.0.0.1:$etcd_port"
  start_bg kube-etcd "$KLOGS/kube-etcd.log" "$KUBE_BIN_DIR/etcd" \
    --name berth-test --data-dir "$KSTATE/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "berth-test=http://127.0.0.1:$etcd_peer" \
    --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn
  STARTED+=(kube-etcd)
  wait_until 30 "etcd health" curl -fsS --max-time 2 "$etcd_url/health"

  # ---- kube-apiserver
  log "kube: starting kube-apiserver on $SERVER"
  start_bg kube-apiserver "$KLOGS/kube-apiserver.log" "$KUBE_BIN_DIR/kube-apiserver" \
    --etcd-servers "$etcd_url" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$KSTATE/cert-dir" \
    --tls-cert-file "$KSTATE/pki/apiserver.crt" --tls-private-key-file "$KSTATE/pki/apiserver.key" \
    --client-ca-file "$KSTATE/pki/ca.crt" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KSTATE/pki/sa.pub" \
    --service-account-signing-key-file "$KSTATE/pki/sa.key" \
    --authorization-mode RBAC \
    --token-auth-file "$KSTATE/tokens.csv" \
    --enable-priority-and-fairness=false \
    --allow-privileged=true \
    --profiling=false \
    --v=1
  STARTED+=(kube-apiserver)

  write_kubeconfig "$KSTATE/admin.kubeconfig" "$SERVER" "$ADMIN_TOKEN" berth-admin
  write_kubeconfig "$KSTATE/restricted.kubeconfig" "$SERVER" "$RESTRICTED_TOKEN" berth-restricted
  write_kubeconfig "$KSTATE/controller-manager.kubeconfig" "$SERVER" "$kcm_token" system:kube-controller-manager
  write_kubeconfig "$KSTATE/scheduler.kubeconfig" "$SERVER" "$sched_token" system:kube-scheduler
  write_kubeconfig "$KSTATE/kwok.kubeconfig" "$SERVER" "$kwok_token" kwok

  wait_until 90 "kube-apiserver /readyz" readyz_ok
  log "kube: apiserver ready after $((SECONDS - t0))s"

  # ---- kube-controller-manager, kube-scheduler (no HTTPS serving: --secure-port=0)
  start_bg kube-controller-manager "$KLOGS/kube-controller-manager.log" "$KUBE_BIN_DIR/kube-controller-manager" \
    --kubeconfig "$KSTATE/controller-manager.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 \
    --service-account-private-key-file "$KSTATE/pki/sa.key" \
    --root-ca-file "$KSTATE/pki/ca.crt" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --profiling=false --v=1
  STARTED+=(kube-controller-manager)
  start_bg kube-scheduler "$KLOGS/kube-scheduler.log" "$KUBE_BIN_DIR/kube-scheduler" \
    --kubeconfig "$KSTATE/scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 \
    --profiling=false --v=1
  STARTED+=(kube-scheduler)

  # ---- kwok: fakes kubelets for every Node, so pods get Ready.
  start_bg kube-kwok "$KLOGS/kube-kwok.log" env HOME="$KSTATE" "$KUBE_BIN_DIR/kwok" \
    --kubeconfig "$KSTATE/kwok.kubeconfig" \
    --config "$KUBE_BIN_DIR/kwok-stages.yaml" \
    --manage-all-nodes=true \
    --cidr 10.244.0.0/16 \
    --server-address "" --node-port 0 \
    --v=info
  STARTED+=(kube-kwok)

  local n
  for n in "${NODES[@]}"; do
    kc apply -f - >/dev/null <<EOF || die "kube: creating node $n failed"
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
EOF
  done

  wait_until 60 "namespace default" kc get namespace default
  wait_until 60 "serviceaccount default/default" kc get serviceaccount default -n default
  wait_until 60 "kwok nodes Ready" nodes_ready

  write_env kube \
    "KUBE_SERVER=$SERVER" \
    "KUBE_ADMIN_TOKEN=$ADMIN_TOKEN" \
    "KUBE_RESTRICTED_TOKEN=$RESTRICTED_TOKEN" \
    "KUBE_ADMIN_KUBECONFIG=$KSTATE/admin.kubeconfig" \
    "KUBE_RESTRICTED_KUBECONFIG=$KSTATE/restricted.kubeconfig" \
    "KUBE_CA_FILE=$KSTATE/pki/ca.crt" \
    "KUBECTL=$KUBECTL" \
    "KUBE_BIN_DIR=$KUBE_BIN_DIR" \
    "KUBE_VERSION=$KUBE_VERSION" \
    "KUBE_NODES=$(IFS=,; echo "${NODES[*]}")"
  log "kube: up in $((SECONDS - t0))s at $SERVER (env: $BERTH_TEST_STATE/kube.env)"
}

# If `up` fails half way, stop what it started so nothing is left behind
# (logs stay in $BERTH_TEST_STATE/logs).
up_or_cleanup() {
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "kube: up failed, stopping what it started"; stop_all; rm -rf "$KSTATE"; fi' EXIT
  up
}

case "${1:-}" in
  up) up_or_cleanup ;;
  down) down ;;
  status) if running; then echo running; else echo stopped; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
