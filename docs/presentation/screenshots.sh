#!/usr/bin/env bash
# Screenshot every slide of the rendered deck with headless Chromium (no network).
# Usage: screenshots.sh build/slides/presentation.html build/slides
set -euo pipefail
html=$(realpath "$1")
out=$2
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -n "$browser" ]] || { echo "chromium not found (apt-get install -y chromium)" >&2; exit 1; }
slides=$(grep -o '<section' "$html" | wc -l)
(( slides > 0 )) || { echo "$html: no slide found" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for i in $(seq 1 "$slides"); do
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1280,720 \
    --virtual-time-budget=3000 --screenshot="$out/slide-$(printf %02d "$i").png" \
    "file://$html#$i" >/dev/null 2>&1
done
ls "$out"/slide-*.png
