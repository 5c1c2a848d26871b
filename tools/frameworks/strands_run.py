"""Runs a Strands Agents Swarm offline, with a scripted model, and records
the OpenTelemetry spans Strands emits (through the global tracer provider,
with its default conventions: message content in span events) twice:

- otlp.jsonl: OTLP/JSON, one ExportTraceServiceRequest per line (otlp_json.py);
- otlp.binpb: the same request as binary protobuf.

Scenario: a Swarm of `researcher` and `writer`; researcher calls
`http_search(query="tracelint release date")` three times (each returns "No
results found."), then hands off to writer with the swarm's
`handoff_to_agent`, and writer answers.

Usage: python strands_run.py OUT_DIR   (needs strands-agents; see the fixtures README)
"""

import json
import sys
from pathlib import Path

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

EXPORTER = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_provider)  # Strands' tracer is the global one

from strands import Agent, tool  # noqa: E402
from strands.models.model import Model  # noqa: E402
from strands.multiagent import Swarm  # noqa: E402

from otlp_json import write_otlp_json  # noqa: E402


class ScriptedModel(Model):
    """A model provider that streams from a script: each call takes the next
    step (the last step repeats). Steps: ("say", text), ("call", tool, args).
    Every call uses 160 input and 40 output tokens."""

    def __init__(self, name, steps):
        self.name = name
        self.steps = list(steps)
        self.calls = 0

    def update_config(self, **model_config):
        pass

    def get_config(self):
        return {"model_id": f"scripted-{self.name}"}

    def structured_output(self, output_model, prompt, system_prompt=None, **kwargs):
        raise NotImplementedError("the fixtures use no structured output")

    async def stream(self, messages, tool_specs=None, system_prompt=None, **kwargs):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        yield {"messageStart": {"role": "assistant"}}
        if step[0] == "say":
            yield {"contentBlockStart": {"start": {}}}
            yield {"contentBlockDelta": {"delta": {"text": step[1]}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
        else:
            tool_use_id = f"tooluse_{self.name}_{self.calls}"
            yield {"contentBlockStart": {"start": {"toolUse": {"toolUseId": tool_use_id,
                                                               "name": step[1]}}}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": json.dumps(step[2])}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
        yield {"metadata": {"usage": {"inputTokens": 160, "outputTokens": 40, "totalTokens": 200},
                            "metrics": {"latencyMs": 5}}}


@tool
def http_search(query: str) -> str:
    """Search the web over HTTP."""
    return "No results found."


SEARCH = ("call", "http_search", {"query": "tracelint release date"})
HANDOFF = ("call", "handoff_to_agent",
           {"agent_name": "writer", "message": "Search found nothing; write the answer."})
FINAL = "I could not find a release date for tracelint."


def main(out_dir):
    researcher = Agent(name="researcher", system_prompt="You are researcher.",
                       model=ScriptedModel("researcher", [SEARCH, SEARCH, SEARCH, HANDOFF,
                                                          ("say", "Handed off to writer.")]),
                       tools=[http_search], callback_handler=None)
    writer = Agent(name="writer", system_prompt="You are writer.",
                   model=ScriptedModel("writer", [("say", FINAL)]), callback_handler=None)
    swarm = Swarm([researcher, writer], entry_point=researcher, max_handoffs=5,
                  max_iterations=5)
    result = swarm("When is tracelint released?")
    spans = EXPORTER.get_finished_spans()
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    write_otlp_json(spans, target / "otlp.jsonl")
    (target / "otlp.binpb").write_bytes(encode_spans(spans).SerializeToString())
    print(f"strands: {result.status}, nodes {[n.node_id for n in result.node_history]}, "
          f"{len(spans)} spans")


if __name__ == "__main__":
    main(sys.argv[1])
