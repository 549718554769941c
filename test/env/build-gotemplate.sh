#!/usr/bin/env bash
# Build the Go text/template runner of the differential template test (test/gotemplate,
# standard library only) into
#   $BERTH_TEST_CACHE/gotemplate-<hash of its sources and the Go version>/gotemplate
# and write $BERTH_TEST_STATE/gotemplate.env (GOTEMPLATE=<path>).
# Idempotent: a binary already built from the same sources is reused.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../gotemplate" && pwd)"

if ! command -v go >/dev/null 2>&1; then
  [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH" || die "go not found"
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

hash=$( { cat "$SRC/go.mod" "$SRC/main.go"; go env GOVERSION; } | sha256sum | cut -c1-16)
DIR="$BERTH_TEST_CACHE/gotemplate-$hash"
BIN="$DIR/gotemplate"

if [[ ! -x $BIN ]]; then
  log "gotemplate: building $BIN"
  mkdir -p "$DIR"
  (cd "$SRC" && go build -trimpath -o "$BIN.tmp" .) || die "gotemplate build failed"
  mv "$BIN.tmp" "$BIN"
else
  log "gotemplate: $BIN up to date"
fi
write_env gotemplate "GOTEMPLATE=$BIN"
