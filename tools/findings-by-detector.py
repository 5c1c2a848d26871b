#!/usr/bin/env python3
"""Findings per detector on every corpus of ../shared/data, for issue 22's
"before and after": runs `BINARY check CORPUS --output-format json` on each
corpus folder (all splits: these are counts, not scores) and prints a
Markdown table, one row per detector, one column per corpus.

Usage: tools/findings-by-detector.py BINARY [BINARY ...] [--data DIR]
With several binaries, each cell is their counts joined by " → ".
"""
import argparse
import collections
import json
import pathlib
import subprocess
import sys

CORPORA = [
    ("TRAIL", "trail/data"),
    ("Who&When", "who_and_when"),
    ("MAST records", "mast/MAD_human_labelled_dataset.json"),
    ("tau-bench", "tau_bench/gpt-4o-airline.json"),
    ("formats/", "formats"),
]


def counts(binary, path):
    out = subprocess.run(
        [binary, "check", str(path), "--exit-zero", "--quiet", "--output-format", "json"],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{binary} check {path}: exit {out.returncode}\n{out.stderr}")
    found = collections.Counter(f["detector"] for f in json.loads(out.stdout)["findings"])
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--data", default=str(pathlib.Path(__file__).resolve().parents[1].parent / "shared/data"))
    args = parser.parse_args()
    data = pathlib.Path(args.data)
    table = {}  # (detector, corpus) -> [count per binary]
    for name, rel in CORPORA:
        for i, binary in enumerate(args.binaries):
            for detector, n in counts(binary, data / rel).items():
                table.setdefault((detector, name), [0] * len(args.binaries))[i] = n
    detectors = sorted({d for d, _ in table})
    names = [n for n, _ in CORPORA]
    print("| detector | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for d in detectors:
        cells = []
        for n in names:
            c = table.get((d, n), [0] * len(args.binaries))
            cells.append(" → ".join(map(str, c)) if any(c) else "")
        print(f"| {d} | " + " | ".join(cells) + " |")
    totals = []
    for n in names:
        t = [sum(table.get((d, n), [0] * len(args.binaries))[i] for d in detectors) for i in range(len(args.binaries))]
        totals.append(" → ".join(map(str, t)))
    print("| **all** | " + " | ".join(totals) + " |")


if __name__ == "__main__":
    main()
