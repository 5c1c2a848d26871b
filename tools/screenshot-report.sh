#!/usr/bin/env bash
# Screenshots of a report's index.html as headless Chromium renders it:
#   summary.png  the top of the page (summary, charts, findings, agents);
#   traces.png   the drill-downs, every trace section opened (a copy of the
#                page with the sections above it hidden).
# Usage: tools/screenshot-report.sh REPORT_DIR OUT_DIR
set -euo pipefail
report=$(realpath "$1")
out=$(realpath -m "$2")
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shoot() { # URL PNG HEIGHT
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size="1400,$3" \
    --screenshot="$2" "$1" 2>/dev/null
}
shoot "file://$report/index.html" "$out/summary.png" 2600
sed -e 's/<details id=/<details open id=/g' \
  -e 's|</head>|<style>main>section:not(:last-child){display:none}</style></head>|' \
  "$report/index.html" >"$work/traces.html"
shoot "file://$work/traces.html" "$out/traces.png" 2400
echo "screenshots in $out"
