#!/usr/bin/env bash
# Build helm v3 from Go modules into
#   $BERTH_TEST_CACHE/helm-$HELM_VERSION/helm
# and write $BERTH_TEST_STATE/helm.env (HELM=<path>, HELM_VERSION=<version>).
# Idempotent: skips the build when the binary exists and the stamp matches.
# Cold build: 5-15 minutes on 2 cores; later runs are instant.
# Overridable: HELM_VERSION (v3.19.0).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${HELM_VERSION:=v3.19.0}"

HELM_DIR="$BERTH_TEST_CACHE/helm-$HELM_VERSION"
HELM_BIN="$HELM_DIR/helm"
STAMP="$HELM_DIR/.stamp"
STAMP_CONTENT="helm=$HELM_VERSION"

publish() { write_env helm "HELM=$HELM_BIN" "HELM_VERSION=$HELM_VERSION"; }

if [[ -x $HELM_BIN && -f $STAMP && "$(cat "$STAMP")" == "$STAMP_CONTENT" ]]; then
  log "helm: $HELM_BIN up to date ($STAMP_CONTENT)"
  publish
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" || die "go not found"
fi

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

t0=$SECONDS
mod="$HELM_DIR/src"
rm -f "$STAMP"
rm -rf "$mod"; mkdir -p "$mod"
(
  cd "$mod"
  log "helm: fetching helm.sh/helm/v3@$HELM_VERSION"
  gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f $gomod ]] || die "could not download helm.sh/helm/v3@$HELM_VERSION"
  want=$(awk '$1=="go"{print $2; exit}' "$gomod")
  have=$(go env GOVERSION); have=${have#go}
  if [[ -n $want && "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" != "$want" ]]; then
    die "helm $HELM_VERSION needs go $want, have go $have"
  fi
  # A dependency's replace directives are ignored; helm must not rely on any.
  if grep -qE '^[[:space:]]*replace' "$gomod"; then
    log "helm: warning: $gomod has replace directives that a wrapper module ignores"
  fi
  go mod init local/helm >/dev/null 2>&1
  go mod edit -require="helm.sh/helm/v3@$HELM_VERSION"
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' >tools.go
  log "helm: resolving dependencies (go mod tidy)"
  go mod tidy -e >&2 2>&1 || true
  log "helm: building helm $HELM_VERSION (slow: 5-15 min cold)"
  go build -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    -o "$HELM_BIN.tmp" helm.sh/helm/v3/cmd/helm
) || die "helm build failed"
mv "$HELM_BIN.tmp" "$HELM_BIN"
"$HELM_BIN" version --short >&2 || die "built helm does not run"
echo "$STAMP_CONTENT" >"$STAMP"
publish
log "helm: done in $((SECONDS - t0))s: $HELM_BIN"
