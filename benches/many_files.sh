#!/usr/bin/env bash
# Memory follows events, not files (issue 18): N one-span OTLP/JSON files in
# one folder against the same N spans as one JSON Lines file, `check` on
# each, wall time and peak RSS (GNU time), interleaved RUNS times.
#
#   benches/many_files.sh [N=10000] [RUNS=3] [BINARY=target/release/tracelint]
set -euo pipefail
n=${1:-10000} runs=${2:-3} bin=${3:-target/release/tracelint}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/files"
python3 - "$dir" "$n" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
with open(f"{d}/one.jsonl", "w") as one:
    for i in range(n):
        line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
            "traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1), "name": "chat",
            "startTimeUnixNano": "1000", "endTimeUnixNano": "2000",
            "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]}]}]}]})
        open(f"{d}/files/t{i:05d}.json", "w").write(line)
        one.write(line + "\n")
PY
for run in $(seq "$runs"); do
  for input in files one.jsonl; do
    /usr/bin/time -f "$input: %e s, peak RSS %M KiB" "$bin" check "$dir/$input" \
      --output-format json --quiet --exit-zero > /dev/null
  done
done 2>&1
