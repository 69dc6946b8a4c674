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
