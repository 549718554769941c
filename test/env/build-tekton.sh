#!/usr/bin/env bash
# Build test/tekton-validate (Tekton's own PipelineRun validation) against
# github.com/tektoncd/pipeline@$TEKTON_VERSION into
#   $BERTH_TEST_CACHE/tekton-validate-$TEKTON_VERSION/bin/tekton-validate
# and copy Tekton's CRDs (config/300-crds) beside it in .../crds/.
# Idempotent: skips when the binary exists and the stamp matches the sources.
# Cold build: several minutes on 2 cores (downloads and compiles the Tekton API tree).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/../tekton-validate"

: "${TEKTON_VERSION:=v1.6.0}"
OUT="$BERTH_TEST_CACHE/tekton-validate-$TEKTON_VERSION"
STAMP="$OUT/.stamp"

if ! command -v go >/dev/null 2>&1; then
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" || die "go not found"
fi
STAMP_CONTENT="tekton=$TEKTON_VERSION src=$(cat "$SRC/main.go" "$SRC/go.mod" | sha256sum | cut -c1-16)"

if [[ -x $OUT/bin/tekton-validate && -f $STAMP && "$(cat "$STAMP")" == "$STAMP_CONTENT" ]] \
   && compgen -G "$OUT/crds/*.yaml" >/dev/null; then
  log "tekton: tekton-validate up to date in $OUT ($STAMP_CONTENT)"
  exit 0
fi

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
t0=$SECONDS
rm -f "$STAMP"
mkdir -p "$OUT/bin" "$OUT/src" "$OUT/crds"
cp "$SRC/main.go" "$OUT/src/main.go"
cp "$SRC/go.mod" "$OUT/src/go.mod"
(
  cd "$OUT/src"
  go mod edit -require="github.com/tektoncd/pipeline@$TEKTON_VERSION"
  dir=$(go mod download -json "github.com/tektoncd/pipeline@$TEKTON_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d $dir/config/300-crds ]] || { log "tekton: could not download github.com/tektoncd/pipeline@$TEKTON_VERSION"; exit 1; }
  want=$(awk '$1=="go"{print $2; exit}' "$dir/go.mod"); have=$(go env GOVERSION); have=${have#go}
  [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" == "$want" ]] \
    || { log "tekton: pipeline@$TEKTON_VERSION needs go $want, have go $have"; exit 1; }
  rm -f "$OUT"/crds/*.yaml
  cp "$dir"/config/300-crds/*.yaml "$OUT/crds/"
  chmod u+w "$OUT"/crds/*.yaml
  log "tekton: resolving dependencies (go mod tidy)"
  go mod tidy >&2
  log "tekton: building tekton-validate (slow when cold)"
  go build -trimpath -ldflags "-s -w" -o "$OUT/bin/tekton-validate" .
) || die "tekton-validate build failed"
echo "$STAMP_CONTENT" >"$STAMP"
log "tekton: built $OUT/bin/tekton-validate in $((SECONDS - t0))s"
