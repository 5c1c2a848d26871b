"""Turns an OpenInference OTLP/JSON export into the Langfuse public API's
observation list (`GET /api/public/v2/observations`:
`{"data": [ObservationV2], "meta": ...}`), the way a Langfuse server would
after ingesting those spans: its OTel ingester maps `openinference.span.kind`
to the observation type (LLM → GENERATION, AGENT, TOOL, CHAIN, RETRIEVER,
EMBEDDING, GUARDRAIL, EVALUATOR; anything else SPAN), an error status to
level ERROR, `llm.token_count.*` to usageDetails, `input.value` /
`output.value` to input / output, and keeps the span attributes under
metadata.attributes. The JSON is written by the langfuse SDK's own API
model (`ObservationsV2Response`), so field names and casing are the API's.

No Langfuse server runs offline here, so this is our reading of the
mapping, not a server's output: see tests/fixtures/frameworks/README.md.

Usage: python langfuse_observations.py OPENINFERENCE.otlp.jsonl OUT.json
"""

import json
import sys
from datetime import datetime, timezone

from langfuse.api.commons.types.observation_v2 import ObservationV2
from langfuse.api.observations.types.observations_v2response import ObservationsV2Response

TYPES = {"LLM": "GENERATION", "AGENT": "AGENT", "TOOL": "TOOL", "CHAIN": "CHAIN",
         "RETRIEVER": "RETRIEVER", "EMBEDDING": "EMBEDDING", "GUARDRAIL": "GUARDRAIL",
         "EVALUATOR": "EVALUATOR"}


def value(attribute):
    v = attribute["value"]
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in v:
            return int(v[key]) if key == "intValue" else v[key]
    return json.dumps(v)


def iso(nanos):
    return datetime.fromtimestamp(int(nanos) / 1e9, tz=timezone.utc)


def observations(otlp_path):
    for line in open(otlp_path):
        request = json.loads(line)
        for resource in request.get("resourceSpans", []):
            for scope in resource.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    attrs = {a["key"]: value(a) for a in span.get("attributes", [])}
                    failed = span.get("status", {}).get("code") == "STATUS_CODE_ERROR"
                    usage = {k: attrs[f"llm.token_count.{src}"]
                             for k, src in [("input", "prompt"), ("output", "completion"),
                                            ("total", "total")]
                             if f"llm.token_count.{src}" in attrs}
                    yield ObservationV2(
                        id=span["spanId"],
                        trace_id=span["traceId"],
                        start_time=iso(span["startTimeUnixNano"]),
                        end_time=iso(span["endTimeUnixNano"]),
                        project_id="fixture-project",
                        parent_observation_id=span.get("parentSpanId") or None,
                        type=TYPES.get(attrs.get("openinference.span.kind"), "SPAN"),
                        name=span["name"],
                        level="ERROR" if failed else "DEFAULT",
                        status_message=span.get("status", {}).get("message"),
                        environment="default",
                        input=attrs.get("input.value"),
                        output=attrs.get("output.value"),
                        metadata={"attributes": attrs},
                        model=attrs.get("llm.model_name"),
                        usage_details=usage or None,
                    )


def main(otlp_path, out_path):
    data = sorted(observations(otlp_path), key=lambda o: (o.start_time, o.id))
    response = ObservationsV2Response(data=data, meta={"cursor": None})
    with open(out_path, "w") as out:
        out.write(response.json(by_alias=True, exclude_none=True, indent=1))
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
