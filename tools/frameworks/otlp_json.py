"""Finished OpenTelemetry SDK spans as an OTLP/JSON file, the way the
OpenTelemetry file exporter writes it: one ExportTraceServiceRequest per
line, proto3 JSON field names, ids as lower-case hex (the OTLP/JSON
encoding's one departure from proto3 JSON, which would use base64)."""

import base64
import json

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans


def _hex_ids(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                _hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)
    return node


def write_otlp_json(spans, path):
    request = MessageToDict(encode_spans(spans))
    with open(path, "w") as out:
        out.write(json.dumps(_hex_ids(request), sort_keys=True) + "\n")
