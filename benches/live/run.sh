#!/usr/bin/env bash
# The live guard's throughput and memory (benches/README.md, "Live guard").
#
#   benches/live/run.sh [TRACES] [SPANS_PER_TRACE]     (default 10000 20)
#
# 1. throughput: `tracelint serve` (release) takes TRACES traces from the
#    real OTel Python exporter (benches/live/load.py, 2 processes, requests
#    of 512 spans); measured: the exporters' spans per second (they share
#    the 2 cores with serve), how long after the last export every trace
#    was finished (the idle timeout is 1 s of it), serve's CPU seconds
#    (utime + stime) and peak RSS.
#    Then `tracelint check` on the same spans as OTLP/JSON Lines files: its
#    wall and CPU seconds. The ratio that matters: spans per CPU second,
#    live over check.
# 2. memory: the same load with every trace kept live (--idle-timeout
#    3600), then with --max-traces at half the traces: peak RSS, traces
#    live, traces evicted.
#
# Needs target/release/tracelint and target/python (tools/python-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
traces=${1:-10000}
spans=${2:-20}
bin=target/release/tracelint
python=target/python/bin/python
work=$(mktemp -d)
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

metric() { curl -s "http://$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
peak_rss_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_serve() {
  "$bin" serve --listen 127.0.0.1:0 "$@" 2> "$work/serve.err" &
  serve_pid=$!
  for _ in $(seq 100); do
    address=$(sed -n 's|.*http://\(127.0.0.1:[0-9]*\)/v1/traces.*|\1|p' "$work/serve.err")
    [ -n "$address" ] && return
    sleep 0.1
  done
  echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1
}

stop_serve() { kill -INT "$serve_pid"; wait "$serve_pid" || true; serve_pid=; }

echo "== spans for check: $traces traces x $spans spans"
"$python" benches/live/load.py --traces "$traces" --spans-per-trace "$spans" --dump "$work/spans.jsonl" > /dev/null
ls "$work"/spans.jsonl.* > /dev/null

echo "== throughput: serve, idle timeout 1 s"
start_serve --idle-timeout 1 --max-traces $((traces * 2))
"$python" benches/live/load.py --endpoint "http://$address/v1/traces" --traces "$traces" \
  --spans-per-trace "$spans" --processes 2 | tee "$work/load.json"
exported=$(date +%s.%N)
until [ "$(metric "$address" tracelint_traces_finished_total)" = "$traces" ]; do sleep 0.05; done
ended=$(date +%s.%N)
serve_cpu=$(cpu_seconds "$serve_pid")
serve_rss=$(peak_rss_mib "$serve_pid")
accepted=$(metric "$address" tracelint_spans_accepted_total)
trips=$(curl -s "http://$address/metrics" | awk '/^tracelint_trips_total/ { s += $2 } END { print s + 0 }')
stop_serve
drain=$(echo "$ended - $exported" | bc -l)
echo "serve: $accepted spans, $trips trips, every trace finished $(printf %.2f "$drain") s after the last export, CPU $serve_cpu s, peak RSS $serve_rss MiB"

echo "== check on the same spans"
/usr/bin/time -f "%e %U %S %M" -o "$work/check.time" "$bin" check "$work"/spans.jsonl.* \
  --exit-zero --quiet --output-format json > "$work/check.json"
read -r check_wall check_user check_sys check_rss_kib < "$work/check.time"
check_cpu=$(echo "$check_user + $check_sys" | bc -l)
check_findings=$("$python" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$work/check.json")
echo "check: wall $check_wall s, CPU $check_cpu s, peak RSS $((check_rss_kib / 1024)) MiB, $check_findings findings"
total=$((traces * spans))
printf 'spans per CPU second: serve %.0f, check %.0f, ratio %.3f\n' \
  "$(echo "$total / $serve_cpu" | bc -l)" "$(echo "$total / $check_cpu" | bc -l)" \
  "$(echo "($total / $serve_cpu) / ($total / $check_cpu)" | bc -l)"
printf 'spans per wall second: the exporters %s (serve kept up), check %.0f\n' \
  "$(sed -n 's/.*"spans_per_s": \([0-9]*\).*/\1/p' "$work/load.json")" "$(echo "$total / $check_wall" | bc -l)"

echo "== memory: $traces traces live at once"
start_serve --idle-timeout 3600 --max-traces "$traces"
"$python" benches/live/load.py --endpoint "http://$address/v1/traces" --traces "$traces" \
  --spans-per-trace "$spans" --processes 2 > /dev/null
sleep 0.5
live=$(metric "$address" tracelint_traces_live)
echo "traces live $live, evicted $(metric "$address" tracelint_traces_evicted_total), peak RSS $(peak_rss_mib "$serve_pid") MiB"
stop_serve

half=$((traces / 2))
echo "== memory: --max-traces $half"
start_serve --idle-timeout 3600 --max-traces "$half"
"$python" benches/live/load.py --endpoint "http://$address/v1/traces" --traces "$traces" \
  --spans-per-trace "$spans" --processes 2 > /dev/null
sleep 0.5
echo "traces live $(metric "$address" tracelint_traces_live), evicted $(metric "$address" tracelint_traces_evicted_total), finished $(metric "$address" tracelint_traces_finished_total), peak RSS $(peak_rss_mib "$serve_pid") MiB"
stop_serve
