"""Runs a real Arize Phoenix server offline on 127.0.0.1, sends it the
OpenInference spans of some openai_agents scenarios, and exports them again
with Phoenix's own client, the way users get a spans dataframe:

    phoenix.client.Client(base_url=...).spans.get_spans_dataframe(
        project_identifier=PROJECT)

(arize-phoenix 20 has no `px.Client` any more; the dataframe comes from the
separate arize-phoenix-client package.) For each scenario directory it writes

- phoenix_spans.parquet: `df.to_parquet(path)` (pandas + pyarrow defaults);
- phoenix_spans.csv: `df.to_csv(path)` (pandas defaults, index included);

and, for the first scenario only, phoenix_trace_dataset.parquet: the file
`phoenix.TraceDataset(df).save(dir)` writes (trace_dataset-<uuid>.parquet,
renamed).

Each `openinference.otlp.jsonl` line is an ExportTraceServiceRequest in
OTLP/JSON (hex ids); it is parsed into protobuf (ids turned to base64 first,
as proto3 JSON wants for bytes), given the resource attribute
`openinference.project.name` = the scenario's name so each scenario lands in
a Phoenix project of its own, and POSTed as application/x-protobuf to
/v1/traces. The server runs from a fresh temporary working directory
(SQLite) with telemetry and external resources off and PYTHONHASHSEED=0 (the
order of the attributes.* columns follows string hashing; the seed makes it
the same on every run), and is stopped by pid at the end. The trace dataset
file is not byte-stable: it carries a random dataset id in its metadata.

Made with (Python 3.11, a venv of its own):
    pip install arize-phoenix==20.26.1 arize-phoenix-client==3.5.0 \
        pandas==3.1.1 pyarrow==26.0.1 opentelemetry-proto==1.45.2 protobuf==7.36.2

Usage: python phoenix_dataframe.py SCENARIO_DIR [SCENARIO_DIR ...]
  e.g. (from the repository root)
    /tmp/pxvenv/bin/python tools/frameworks/phoenix_dataframe.py \
        tests/fixtures/frameworks/openai_agents/repeated_tool_call \
        tests/fixtures/frameworks/openai_agents/handoff_ping_pong
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from google.protobuf.json_format import Parse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

HOST = "127.0.0.1"
PORT = 6006
GRPC_PORT = 14317
BASE_URL = f"http://{HOST}:{PORT}"


def _base64_ids(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                _base64_ids(value)
    elif isinstance(node, list):
        for item in node:
            _base64_ids(item)
    return node


def requests(otlp_path, project):
    for line in open(otlp_path):
        if not line.strip():
            continue
        request = Parse(json.dumps(_base64_ids(json.loads(line))), ExportTraceServiceRequest())
        for resource_spans in request.resource_spans:
            resource_spans.resource.attributes.append(KeyValue(
                key="openinference.project.name", value=AnyValue(string_value=project)))
        yield request


def post(request):
    http = urllib.request.Request(
        f"{BASE_URL}/v1/traces", data=request.SerializeToString(), method="POST",
        headers={"Content-Type": "application/x-protobuf"})
    with urllib.request.urlopen(http, timeout=30) as response:
        assert response.status < 300, response.status


def start_server(working_dir, log):
    for port in (PORT, GRPC_PORT):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                raise RuntimeError(f"{HOST}:{port} is already in use")
    env = dict(os.environ,
               PHOENIX_WORKING_DIR=str(working_dir), PHOENIX_HOST=HOST,
               PHOENIX_PORT=str(PORT), PHOENIX_GRPC_PORT=str(GRPC_PORT),
               PHOENIX_TELEMETRY_ENABLED="false",
               PHOENIX_ALLOW_EXTERNAL_RESOURCES="false",
               # the server orders the attributes.* columns by set iteration:
               # a fixed hash seed makes that order the same on every run
               PYTHONHASHSEED="0")
    phoenix = Path(sys.executable).with_name("phoenix")
    server = subprocess.Popen([str(phoenix), "serve"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError(f"phoenix serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{BASE_URL}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError("phoenix serve did not become healthy")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def spans_dataframe(project, expected):
    from phoenix.client import Client

    client = Client(base_url=BASE_URL)
    for _ in range(60):  # ingestion is asynchronous
        df = client.spans.get_spans_dataframe(project_identifier=project)
        if len(df) >= expected:
            return df
        time.sleep(0.5)
    raise RuntimeError(f"{project}: {len(df)} spans exported, expected {expected}")


def trace_dataset(df, out_path):
    from phoenix import TraceDataset

    with tempfile.TemporaryDirectory() as tmp:
        TraceDataset(df).save(tmp)
        (written,) = Path(tmp).glob("trace_dataset-*.parquet")
        shutil.move(written, out_path)


def main(scenario_dirs):
    working_dir = Path(tempfile.mkdtemp(prefix="phoenix-work-"))
    log = open(working_dir / "server.log", "w")
    server = None
    try:
        server = start_server(working_dir, log)
        for i, scenario in enumerate(map(Path, scenario_dirs)):
            project = scenario.name
            expected = 0
            for request in requests(scenario / "openinference.otlp.jsonl", project):
                expected += sum(len(s.spans) for r in request.resource_spans
                                for s in r.scope_spans)
                post(request)
            df = spans_dataframe(project, expected)
            df.to_parquet(scenario / "phoenix_spans.parquet")
            df.to_csv(scenario / "phoenix_spans.csv")
            if i == 0:
                trace_dataset(df, scenario / "phoenix_trace_dataset.parquet")
            print(f"{scenario}: {len(df)} spans", file=sys.stderr)
    finally:
        if server is not None:
            stop_server(server)
        log.close()
        shutil.rmtree(working_dir, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
