#!/usr/bin/env bash
# Interleaved A/B of `check` wall time: binary A, then B, RUNS times, on
# one input; prints each run and the best and median of each. Machine
# noise hits both alike, so the ratio is what to read.
#
#   tools/ab-check.sh A_BINARY B_BINARY INPUT [RUNS] [extra check args...]
set -euo pipefail
a=$1 b=$2 input=$3 runs=${4:-5}
shift 4 2>/dev/null || shift $#
python3 - "$a" "$b" "$input" "$runs" "$@" <<'PY'
import subprocess, sys, time, statistics, resource
a, b, inp, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
extra = sys.argv[5:]
times = {a: [], b: []}
def run(binary):
    t = time.perf_counter()
    subprocess.run([binary, "check", inp, "--exit-zero", "--quiet", "--output-format", "json", *extra],
                   stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
run(a); run(b)  # warm the page cache
for i in range(runs):
    for binary in (a, b):
        times[binary].append(run(binary))
        print(f"run {i+1} {binary}: {times[binary][-1]:.3f} s", flush=True)
for label, binary in (("A", a), ("B", b)):
    ts = times[binary]
    print(f"{label} {binary}: best {min(ts):.3f} s, median {statistics.median(ts):.3f} s")
print(f"B/A: best {min(times[b])/min(times[a]):.3f}, median {statistics.median(times[b])/statistics.median(times[a]):.3f}")
PY
