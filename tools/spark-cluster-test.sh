#!/usr/bin/env bash
# A real Apache Spark standalone cluster on 127.0.0.1 (a master and two
# workers of one core each), the tracelint job (python/tracelint_spark) run on
# it, and its findings, verdicts and summary compared with `tracelint check`
# on the same files on one machine. Then the same job again with one worker
# (and its executor) killed with SIGKILL mid-job: Spark runs its tasks again
# elsewhere and the results must be the same. Every process started here is
# killed by pid at the end, whatever happens. Called from .ci/run.
#
#   tools/spark-cluster-test.sh [FILES_PER_SOURCE] [SOURCE...]
#
# By default the spans of the OTLP sample traces and framework fixtures are
# spread over 11 files per source. Needs python3 (pyspark, pyarrow and pandas
# go into target/spark), Java 17 and a tracelint binary (TRACELINT_BINARY,
# default the debug build of `cargo test`, in $CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
files_per_source=${1:-11}
shift || true
if [ $# -eq 0 ]; then
  set -- sample-traces/*/trace.json tests/fixtures/frameworks/*/*/*otlp*.jsonl
fi
binary=$(realpath "${TRACELINT_BINARY:-${CARGO_TARGET_DIR:-target}/debug/tracelint}")
venv=$root/target/spark
if ! "$venv/bin/python" -c "import pyspark, pyarrow, pandas" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pyspark==3.5.6 pyarrow==18.1.0 pandas==2.2.3
fi
export SPARK_HOME
SPARK_HOME=$("$venv/bin/python" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")
export PYSPARK_PYTHON=$venv/bin/python PYSPARK_DRIVER_PYTHON=$venv/bin/python SPARK_LOCAL_IP=127.0.0.1

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    pkill -9 -P "$pid" 2>/dev/null || true   # a worker's executors
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$venv/bin/python" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }

master_port=$(free_port)
master_ui=$(free_port)
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 \
  --port "$master_port" --webui-port "$master_ui" > "$work/master.log" 2>&1 &
pids+=($!)
disown
declare -A worker_pid
for w in 1 2; do
  SPARK_WORKER_DIR=$work/worker$w "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 1 --memory 1g --webui-port "$(free_port)" \
    "spark://127.0.0.1:$master_port" > "$work/worker$w.log" 2>&1 &
  worker_pid[$w]=$!
  pids+=($!)
  disown
done
alive_workers() {
  "$venv/bin/python" -c "import json, urllib.request
print(sum(w['state'] == 'ALIVE' for w in json.load(urllib.request.urlopen('http://127.0.0.1:$master_ui/json/'))['workers']))" 2>/dev/null || echo 0
}
now() { date +%s.%N; }
since() { "$venv/bin/python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
for _ in $(seq 120); do
  [ "$(alive_workers)" = 2 ] && break
  sleep 0.5
done
[ "$(alive_workers)" = 2 ] || { echo "spark-cluster-test: the workers did not register" >&2; cat "$work"/*.log >&2; exit 1; }

python3 tools/spread-traces.py "$files_per_source" "$work/in" "$@"
started=$(now)
"$binary" check "$work/in" --output-format json --exit-zero --quiet > "$work/check.json"
echo "spark-cluster-test: check on one machine in $(since "$started") s"

submit() { # OUT_DIR EVENT_LOG_DIR
  mkdir -p "$2"
  "$SPARK_HOME/bin/spark-submit" --master "spark://127.0.0.1:$master_port" \
    --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=file://$2" \
    --conf spark.sql.session.timeZone=UTC --conf spark.executor.memory=768m \
    --conf spark.task.maxFailures=4 \
    python/tracelint_spark/job.py --input "$work/in" --output "$1" --binary "$binary" \
    --partitions 4 --exit-zero > "$1.log" 2>&1
}

same_as_check() { # CHECK_JSON
  "$venv/bin/python" - "$work/check.json" "$1" <<'PY'
import json, sys
one, spark = (json.load(open(p)) for p in sys.argv[1:3])
for part in ("findings", "verdicts", "summary"):
    if one[part] != spark[part]:
        sys.exit(f"spark-cluster-test: the job's {part} differ from check's")
print(f"spark-cluster-test: {len(spark['findings'])} findings, verdicts and summary identical to check")
PY
}

# Per stage: tasks, their mean time, the shuffle written; for benches.
stage_costs() { # EVENT_LOG_DIR
  "$venv/bin/python" - "$1" <<'PY'
import collections, glob, json, sys
stages = collections.defaultdict(lambda: [0, 0.0, 0])
names = {}
for path in glob.glob(sys.argv[1] + "/*"):
    for line in open(path):
        event = json.loads(line)
        if event.get("Event") == "SparkListenerStageCompleted":
            info = event["Stage Info"]
            names[info["Stage ID"]] = info["Stage Name"].split(" at ")[0]
        if event.get("Event") == "SparkListenerTaskEnd" and event.get("Task End Reason", {}).get("Reason") == "Success":
            info, metrics = event["Task Info"], event.get("Task Metrics") or {}
            stage = stages[event["Stage ID"]]
            stage[0] += 1
            stage[1] += (info["Finish Time"] - info["Launch Time"]) / 1000
            stage[2] += (metrics.get("Shuffle Write Metrics") or {}).get("Shuffle Bytes Written", 0)
for sid in sorted(stages):
    tasks, seconds, shuffled = stages[sid]
    print(f"spark-cluster-test: stage {sid} ({names.get(sid, '?')}): {tasks} tasks, {seconds / tasks:.2f} s each, {shuffled / 2**20:.1f} MiB shuffle written")
PY
}

executors_with_tasks() { # EVENT_LOG_DIR
  "$venv/bin/python" - "$1" <<'PY'
import glob, json, sys
executors = set()
for path in glob.glob(sys.argv[1] + "/*"):
    for line in open(path):
        event = json.loads(line)
        if event.get("Event") == "SparkListenerTaskEnd":
            executors.add(event["Task Info"]["Executor ID"])
print(len(executors))
PY
}

started=$(now)
submit "$work/out" "$work/events"
took=$(since "$started")
echo "spark-cluster-test: job in $took s"
same_as_check "$work/out/check.json"
ran_on=$(executors_with_tasks "$work/events")
[ "$ran_on" -ge 2 ] || { echo "spark-cluster-test: tasks ran on $ran_on executor(s), not both workers" >&2; exit 1; }
echo "spark-cluster-test: tasks ran on $ran_on executors (the event log's SparkListenerTaskEnd)"
stage_costs "$work/events"

# Again, with worker 2 and its executor killed halfway through (by the first
# run's time: the event log is written in buffers, too late to watch).
submit "$work/out2" "$work/events2" &
job=$!
sleep "$("$venv/bin/python" -c "print(float('$took') / 2)")"
pkill -9 -P "${worker_pid[2]}" || true
kill -9 "${worker_pid[2]}"
echo "spark-cluster-test: killed worker 2 (pid ${worker_pid[2]}) and its executor"
wait "$job" || { echo "spark-cluster-test: the job failed after a worker was killed" >&2; tail -30 "$work/out2.log" >&2; exit 1; }
grep -qs '"Event":"SparkListenerExecutorRemoved"' "$work"/events2/* \
  || { echo "spark-cluster-test: the kill came after the job ended" >&2; exit 1; }
lost=$(cat "$work"/events2/* | grep -c 'ExecutorLostFailure' || true)
echo "spark-cluster-test: $lost task(s) lost with the executor, run again elsewhere"
same_as_check "$work/out2/check.json"
echo "spark-cluster-test: the job survived the loss of a worker"
