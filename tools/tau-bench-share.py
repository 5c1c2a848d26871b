#!/usr/bin/env python3
"""Issue 22's tau-bench measure (dev only: tau-bench has no test split): the
share of reward-0 runs and of reward-1 runs with a warning or error finding.
tau-bench labels only the outcome, so a finding on a reward-0 run is a
failure seen, and one on a reward-1 run is either a false alarm or a real
failure that did not cost the reward (read them: tools/tau-bench-share.py
--list).

Usage: tools/tau-bench-share.py [BINARY] [--data DIR] [--list]
"""
import argparse
import collections
import json
import pathlib
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("binary", nargs="?", default="target/debug/tracelint")
parser.add_argument("--data", default=str(pathlib.Path(__file__).resolve().parents[1].parent / "shared/data"))
parser.add_argument("--list", action="store_true", help="print the findings on reward-1 runs")
args = parser.parse_args()
corpus = pathlib.Path(args.data) / "tau_bench/gpt-4o-airline.json"
runs = json.loads(corpus.read_text())
# The trace ids tracelint gives tau-bench runs.
reward = {f"task {r['task_id']} trial {r['trial']}": r["reward"] for r in runs}
out = subprocess.run(
    [args.binary, "check", str(corpus), "--exit-zero", "--quiet", "--output-format", "json"],
    capture_output=True, text=True, check=True,
).stdout
flagged = collections.defaultdict(list)
for f in json.loads(out)["findings"]:
    if f["severity"] in ("warning", "error"):
        flagged[f["trace_id"]].append(f)
for value in (0, 1):
    ids = [t for t, r in reward.items() if r == value]
    hit = [t for t in ids if t in flagged]
    print(f"reward-{value} runs with a warning or error finding: {len(hit)}/{len(ids)} = {len(hit) / len(ids):.1%}")
print("findings by detector:", dict(collections.Counter(f["detector"] for fs in flagged.values() for f in fs)))
if args.list:
    for t, fs in sorted(flagged.items()):
        if reward.get(t) == 1:
            for f in fs:
                print(f"{t}: {f['detector']}: {f['message']}")
