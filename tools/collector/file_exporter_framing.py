"""The OpenTelemetry Collector file exporter's four outputs (format json or
proto, each with and without compression: zstd) for one traces message and
one logs message, framed the way the exporter frames them.

A Collector could not be built on the machine that made these files (its Go
modules are not reachable there), so this script applies the exporter's
framing, as its source states it, to messages encoded by the real
OpenTelemetry Python SDK (tests/fixtures/otel_sdk/*.binpb, made by
tools/frameworks/otel_sdk_genai.py). From
opentelemetry-collector-contrib exporter/fileexporter (v0.161.0, the
`exporter.file.nativeCompression` feature gate off, its default):

- file_writer.go: `format: proto` (any compression) and `format: json` with
  compression use `exportMessageAsBuffer`, "each encoded object is preceded
  by 4 bytes (an unsigned 32 bit integer)" big-endian; `format: json`
  without compression uses `exportMessageAsLine`: the JSON, then "\\n".
- marshaller.go / codec.go: each message is compressed on its own,
  `zstd.EncodeAll`, before it is framed: the length is the compressed one.

The JSON is OTLP/JSON with hex ids, as pdata's JSON marshaler writes it.

    python3 -m venv /tmp/otel && /tmp/otel/bin/pip install \\
        opentelemetry-proto==1.45.2 zstandard==0.25.0
    /tmp/otel/bin/python tools/collector/file_exporter_framing.py \\
        tests/fixtures/otel_sdk tests/fixtures/collector
"""

import base64
import json
import struct
import sys
from pathlib import Path

import zstandard
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def hex_ids(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids(item)
    return node


def main(source, target):
    source, target = Path(source), Path(target)
    traces = ExportTraceServiceRequest.FromString((source / "traces.binpb").read_bytes())
    logs = ExportLogsServiceRequest.FromString((source / "logs.binpb").read_bytes())
    # Logs first: the exporter writes each pipeline's batches as they come.
    messages = [logs, traces]
    as_json = [json.dumps(hex_ids(MessageToDict(m)), separators=(",", ":")).encode() for m in messages]
    as_proto = [m.SerializeToString() for m in messages]
    compress = zstandard.ZstdCompressor().compress

    def framed(payloads):
        return b"".join(struct.pack(">I", len(p)) + p for p in payloads)

    target.mkdir(parents=True, exist_ok=True)
    (target / "file_exporter.json").write_bytes(b"".join(j + b"\n" for j in as_json))
    (target / "file_exporter.binpb").write_bytes(framed(as_proto))
    (target / "file_exporter.json.zst").write_bytes(framed([compress(j) for j in as_json]))
    (target / "file_exporter.binpb.zst").write_bytes(framed([compress(p) for p in as_proto]))


if __name__ == "__main__":
    main(*sys.argv[1:3])
