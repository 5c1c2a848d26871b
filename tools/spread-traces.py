"""Deals trace export files into N files each, so that a trace's spans land
in several files: the input a distributed run must bring back together
(tools/spark-cluster-test.sh, benches/README.md "On a Spark cluster").

An OTLP/JSON line (or document) is cut into one request per span; any
other JSON Lines file (OpenAI Agents' trace and span items, ...) is dealt
line by line. Line i of a source goes to file 7i mod N (N not a multiple
of 7, so that every file gets lines and neighbours land apart); each source
keeps its own files and format.

    python3 tools/spread-traces.py N OUT_DIR SOURCE...
"""

import json
import os
import sys


def lines_of(path):
    text = open(path, encoding="utf-8").read()
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = None
    if documents is None:
        raw = [line for line in text.splitlines() if line.strip()]
        documents = []
        for line in raw:
            value = json.loads(line)
            if not (isinstance(value, dict) and "resourceSpans" in value):
                return raw
            documents.append(value)
    out = []
    for document in documents:
        for rs in document.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    out.append(json.dumps({"resourceSpans": [{
                        "resource": rs.get("resource", {}),
                        "scopeSpans": [{"scope": ss.get("scope", {}), "spans": [span]}],
                    }]}, separators=(",", ":")))
    return out


def main():
    n, out_dir, sources = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    os.makedirs(out_dir, exist_ok=True)
    total = 0
    for source in sources:
        # Sources of the same name (sample-traces/*/trace.json) stay apart.
        stem = os.path.normpath(source).split(".")[0].strip(os.sep).replace(os.sep, "_")
        lines = lines_of(source)
        outs = [open(os.path.join(out_dir, f"{stem}-{k:03d}.jsonl"), "w", encoding="utf-8") for k in range(n)]
        for i, line in enumerate(lines):
            outs[(i * 7) % n].write(line + "\n")
        for out in outs:
            out.close()
        total += len(lines)
    print(f"{total} lines from {len(sources)} sources into {n} files each")


if __name__ == "__main__":
    main()
