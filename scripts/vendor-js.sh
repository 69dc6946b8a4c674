#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (no CDN at run time: the store must
# work for shoppers and officials in China). Versions are pinned here; the files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent chart.js@4.6.1 >/dev/null && tar xzf chart.js-4.6.1.tgz )
mkdir -p static/vendor/chartjs
cp "$tmp/package/dist/chart.umd.min.js" static/vendor/chartjs/
cp "$tmp"/package/LICENSE* static/vendor/chartjs/
echo "vendored chart.js 4.6.1"
( cd "$tmp" && npm pack --silent hls.js@1.6.15 >/dev/null && tar xzf hls.js-1.6.15.tgz --transform 's/^package/hls/' )
mkdir -p static/vendor/hls
cp "$tmp/hls/dist/hls.min.js" static/vendor/hls/
cp "$tmp"/hls/LICENSE* static/vendor/hls/
echo "vendored hls.js 1.6.15"
# Their source maps are not vendored: drop the references, which collectstatic's manifest (the
# cache-busted, compressed production files) would otherwise refuse as missing files.
sed -i '/^\/\/# sourceMappingURL=/d' static/vendor/chartjs/chart.umd.min.js static/vendor/hls/hls.min.js
