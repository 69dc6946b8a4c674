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
# Jodit (MIT): the dashboard's rich-text editor, in Chinese (its es2021 build carries the
# language packs; es2021.en is English only). TinyMCE 7, which Oscar ships, is GPL or paid.
( cd "$tmp" && npm pack --silent jodit@4.15.13 >/dev/null && tar xzf jodit-4.15.13.tgz --transform 's/^package/jodit/' )
mkdir -p static/vendor/jodit
cp "$tmp"/jodit/es2021/jodit.min.js "$tmp"/jodit/es2021/jodit.min.css static/vendor/jodit/
cp "$tmp"/jodit/LICENSE* static/vendor/jodit/
echo "vendored jodit 4.15.13"
# Their source maps are not vendored: drop the references, which collectstatic's manifest (the
# cache-busted, compressed production files) would otherwise refuse as missing files.
sed -i '/^\/\/# sourceMappingURL=/d' static/vendor/chartjs/chart.umd.min.js static/vendor/hls/hls.min.js
