#!/usr/bin/env bash
# Build a real Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl), etcd and kwok from Go modules, into
#   $BERTH_TEST_CACHE/kube-$KUBE_VERSION/bin/
# Idempotent: skips the build when every binary exists and the stamp matches.
# Cold build: 15-30 minutes on 2 cores; later runs are instant.
# Overridable: KUBE_VERSION (v1.34.2), ETCD_VERSION (v3.6.16), KWOK_VERSION (v0.8.0).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${KUBE_VERSION:=v1.34.2}"
: "${ETCD_VERSION:=v3.6.16}"
: "${KWOK_VERSION:=v0.8.0}"

KUBE_DIR="$BERTH_TEST_CACHE/kube-$KUBE_VERSION"
BIN="$KUBE_DIR/bin"
STAMP="$BIN/.stamp"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)
# kwok >= 0.8 has no built-in stages: kube.sh passes this file with --config.
KWOK_STAGES="$BIN/kwok-stages.yaml"
STAMP_CONTENT="kubernetes=$KUBE_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION"

all_built() {
  local b
  [[ -f $STAMP && "$(cat "$STAMP")" == "$STAMP_CONTENT" ]] || return 1
  for b in "${BINARIES[@]}"; do [[ -x $BIN/$b ]] || return 1; done
  [[ -s $KWOK_STAGES ]]
}

if all_built; then
  log "kube: binaries up to date in $BIN ($STAMP_CONTENT)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" || die "go not found"
fi
command -v openssl >/dev/null 2>&1 || log "kube: warning: openssl not found (kube.sh needs it)"

# -mod=mod on top of whatever the caller has (e.g. -buildvcs=false).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# go line of a module's go.mod must not be newer than the local Go.
go_line_fits() {
  local modfile=$1 want have
  want=$(awk '$1=="go"{print $2; exit}' "$modfile")
  have=$(go env GOVERSION); have=${have#go}
  [[ -z $want ]] && return 0
  [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" == "$want" ]] || {
    log "kube: $modfile needs go $want, have go $have"; return 1; }
}

minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
staging_version="v0.${KUBE_VERSION#v1.}"
LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"

mkdir -p "$BIN"
rm -f "$STAMP"
t0=$SECONDS

# ---- Kubernetes ------------------------------------------------------------
build_kube() {
  local mod="$KUBE_DIR/src-kubernetes" gomod staging n
  if [[ -x $BIN/kube-apiserver && -x $BIN/kube-controller-manager && -x $BIN/kube-scheduler && -x $BIN/kubectl \
        && -f $mod/.built && "$(cat "$mod/.built")" == "$KUBE_VERSION" ]]; then
    log "kube: kubernetes $KUBE_VERSION already built"; return 0
  fi
  log "kube: fetching k8s.io/kubernetes@$KUBE_VERSION go.mod"
  rm -rf "$mod"; mkdir -p "$mod"
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f $gomod ]] || die "could not download k8s.io/kubernetes@$KUBE_VERSION"
  go_line_fits "$gomod" || die "k8s.io/kubernetes@$KUBE_VERSION does not fit this Go"
  # Every module that kubernetes' go.mod replaces with ./staging/src/k8s.io/X.
  staging=$(grep -oE 'k8s\.io/[A-Za-z0-9._/-]+[[:space:]]+=>[[:space:]]+\./staging/' "$gomod" | awk '{print $1}' | sort -u)
  n=$(printf '%s\n' "$staging" | grep -c .)
  [[ $n -gt 10 ]] || die "found only $n staging modules in $gomod"
  log "kube: $n staging modules -> $staging_version"
  (
    cd "$mod"
    go mod init local/kube >/dev/null 2>&1
    edits=(-require="k8s.io/kubernetes@$KUBE_VERSION")
    for m in $staging; do edits+=(-replace="$m=$m@$staging_version"); done
    go mod edit "${edits[@]}"
    [[ $(grep -c "=> k8s.io/.* $staging_version" go.mod) -eq $n ]] || { log "kube: replace directives missing in $mod/go.mod"; exit 1; }
    cat >tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
    log "kube: resolving kubernetes dependencies (go mod tidy)"
    go mod tidy -e >&2 2>&1 || true
    log "kube: building kube-apiserver kube-controller-manager kube-scheduler kubectl (slow: 15-30 min cold)"
    go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubectl
  ) || die "kubernetes build failed"
  echo "$KUBE_VERSION" >"$mod/.built"
  log "kube: kubernetes built ($((SECONDS - t0))s so far)"
}

# ---- etcd --------------------------------------------------------------------
build_etcd() {
  local mod="$KUBE_DIR/src-etcd" gomod
  if [[ -x $BIN/etcd && -f $mod/.built && "$(cat "$mod/.built")" == "$ETCD_VERSION" ]]; then
    log "kube: etcd $ETCD_VERSION already built"; return 0
  fi
  log "kube: building etcd $ETCD_VERSION"
  rm -rf "$mod"; mkdir -p "$mod"
  (
    cd "$mod"
    gomod=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    [[ -f $gomod ]] || die "could not download etcd server $ETCD_VERSION"
    go_line_fits "$gomod" || die "etcd $ETCD_VERSION does not fit this Go"
    go mod init local/etcd >/dev/null 2>&1
    # etcd's sibling modules are released in lock step; pin them to the same tag.
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
      -require="go.etcd.io/etcd/api/v3@$ETCD_VERSION" -require="go.etcd.io/etcd/client/pkg/v3@$ETCD_VERSION" \
      -require="go.etcd.io/etcd/client/v3@$ETCD_VERSION" -require="go.etcd.io/etcd/pkg/v3@$ETCD_VERSION"
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
    go mod tidy -e >&2 2>&1 || true
    go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  ) || die "etcd build failed"
  echo "$ETCD_VERSION" >"$mod/.built"
  log "kube: etcd built ($((SECONDS - t0))s so far)"
}

# ---- kwok --------------------------------------------------------------------
build_kwok() {
  local mod="$KUBE_DIR/src-kwok" gomod
  if [[ -x $BIN/kwok && -f $mod/.built && "$(cat "$mod/.built")" == "$KWOK_VERSION" ]]; then
    log "kube: kwok $KWOK_VERSION already built"; return 0
  fi
  log "kube: building kwok $KWOK_VERSION"
  rm -rf "$mod"; mkdir -p "$mod"
  (
    cd "$mod"
    gomod=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    [[ -f $gomod ]] || die "could not download kwok $KWOK_VERSION"
    go_line_fits "$gomod" || die "kwok $KWOK_VERSION does not fit this Go"
    go mod init local/kwok >/dev/null 2>&1
    go mod edit -require="sigs.k8s.io/kwok@$KWOK_VERSION"
    printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' >tools.go
    go mod tidy -e >&2 2>&1 || true
    go build -trimpath -ldflags "-s -w" -o "$BIN/kwok" sigs.k8s.io/kwok/cmd/kwok
  ) || die "kwok build failed"
  echo "$KWOK_VERSION" >"$mod/.built"
  log "kube: kwok built ($((SECONDS - t0))s so far)"
}

# The stages kwokctl uses by default: fast node init, heartbeat with lease, fast pods.
write_kwok_stages() {
  local dir f out
  dir=$(cd "$KUBE_DIR/src-kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  [[ -d $dir/kustomize/stage ]] || die "kwok stage files not found under $dir"
  out="$KWOK_STAGES.tmp"; : >"$out"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -f $dir/kustomize/stage/$f ]] || die "missing kwok stage $f"
    { echo "---"; echo "# from sigs.k8s.io/kwok@$KWOK_VERSION kustomize/stage/$f"; cat "$dir/kustomize/stage/$f"; } >>"$out"
  done
  mv "$out" "$KWOK_STAGES"
  log "kube: wrote $KWOK_STAGES"
}

# Small ones first so failures in them show up early.
build_etcd
build_kwok
write_kwok_stages
build_kube

all_built_now() { local b; for b in "${BINARIES[@]}"; do [[ -x $BIN/$b ]] || return 1; done; }
all_built_now && [[ -s $KWOK_STAGES ]] || die "some binaries are missing in $BIN"
echo "$STAMP_CONTENT" >"$STAMP"
log "kube: done in $((SECONDS - t0))s: $(cd "$BIN" && echo "${BINARIES[@]}")"
"$BIN/kube-apiserver" --version >&2 || true
