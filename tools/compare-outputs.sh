#!/usr/bin/env bash
# Runs one tracelint binary over a set of inputs and writes every machine
# output, its stderr and its exit code under OUT, so that two builds can be
# compared byte for byte with `diff -r` (a refactor must change nothing).
#
#   tools/compare-outputs.sh BINARY OUT INPUT...
#
# Per input: `check --output-format json`, `stats --output-format json` and
# `ingest -o` (store and labels), each in memory and, for check and ingest,
# through 7 partitions (`--partitions 7`).
set -uo pipefail
bin=$1 out=$2
shift 2
mkdir -p "$out"
for input in "$@"; do
  name=$(echo "$input" | sed 's#^\.\./##; s#[/ ]#_#g; s#_$##')
  for mode in memory partitions7; do
    part=()
    [ "$mode" = partitions7 ] && part=(--partitions 7)
    base="$out/$name.$mode"
    "$bin" check "$input" --output-format json "${part[@]}" >"$base.check.json" 2>"$base.check.stderr"
    echo $? >"$base.check.rc"
    "$bin" ingest "$input" -o "$base.store.parquet" "${part[@]}" >/dev/null 2>"$base.ingest.stderr"
    echo $? >"$base.ingest.rc"
    # The store's path is in its own message: name it the same in both runs.
    sed -i "s#$out#OUT#g" "$base.ingest.stderr"
  done
  "$bin" stats "$input" --output-format json >"$out/$name.stats.json" 2>"$out/$name.stats.stderr"
  echo $? >"$out/$name.stats.rc"
done
