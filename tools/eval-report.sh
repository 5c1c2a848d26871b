#!/usr/bin/env bash
# Measures tracelint against the labelled corpora (../shared/data) and the
# planted fixtures, and writes reports/eval/: the table and the JSON of the
# test split (held out) and of the dev split (where thresholds were tuned),
# each headed with the commit and date it was measured on.
# Usage: tools/eval-report.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
out=reports/eval
mkdir -p "$out"
cargo build --quiet
commit=$(git rev-parse --short HEAD)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with uncommitted changes)" || true)
date=$(date -u +%Y-%m-%d)
for split in test dev; do
  {
    echo "tracelint eval --split $split — commit $commit$dirty, measured $date"
    echo
    target/debug/tracelint eval --data "$data" --split "$split" --quiet
  } >"$out/$split.txt"
  target/debug/tracelint eval --data "$data" --split "$split" --quiet --output-format json \
    >"$out/$split.json"
done
target/debug/tracelint eval --data "$data" --split dev --quiet --output-format json \
  --attributions "$out/who-and-when-dev-blames.json" >/dev/null
echo "eval-report: $out (commit $commit$dirty, $date)"
