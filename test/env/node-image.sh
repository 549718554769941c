#!/usr/bin/env bash
# A Node.js 20 base image for building berth's Dockerfile in the test Docker engine, which cannot
# pull from Docker Hub: this machine's node and npm, the libraries node links, busybox for a
# shell, and the CA bundle, `docker import`ed as berth-test/node:20. Idempotent (a stamp of the
# inputs' checksums). Run by up.sh after the docker step, and by test/integration/dockerfile.test.ts.
set -euo pipefail
if [[ -z ${DOCKER_HOST:-} ]]; then
  # shellcheck disable=SC1091
  source "${BERTH_TEST_STATE:-/tmp/berth-test}/docker.env"
  export DOCKER_HOST
fi
IMAGE=${BERTH_TEST_NODE_IMAGE:-berth-test/node:20}
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
bb=/bin/busybox
[[ -x $bb ]] || { echo "node-image: $bb missing (apt package busybox-static)" >&2; exit 1; }
sum=$( (sha256sum "$node_bin" "$bb" /etc/ssl/certs/ca-certificates.crt "$0"; cat "$npm_dir/package.json") | sha256sum | cut -c1-16)
if [[ $(docker image inspect --format '{{index .Config.Labels "berth-test.sum"}}' "$IMAGE" 2>/dev/null || true) == "$sum" ]]; then
  exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,usr/bin,usr/lib/node_modules,etc/ssl/certs,tmp,root}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"; done
ln -s /bin/busybox "$root/usr/bin/env"
cp "$node_bin" "$root/usr/bin/node"
while read -r lib; do cp --parents -L "$lib" "$root"; done < <(ldd "$node_bin" | awk '/=>/ && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
# This node (Debian's) reads the system CA store through OpenSSL's directory, as on the host.
mkdir -p "$root/usr/lib/ssl"
ln -s /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"
ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
printf 'root:x:0:0:root:/root:/bin/sh\nberth:x:10001:10001:berth:/var/lib/berth:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nberth:x:10001:\n' >"$root/etc/group"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL berth-test.sum=$sum" \
  --change 'CMD ["node"]' - "$IMAGE" >/dev/null
echo "node-image: imported $IMAGE" >&2
