"""Runs a pydantic-ai Agent offline, with a scripted FunctionModel and
`agent.instrument = InstrumentationSettings(...)` (the default data format), and
records its OpenTelemetry spans as OTLP/JSON (otlp.jsonl, otlp_json.py).

Scenario: agent `support` calls `lookup_order(order_id="A-17")` twice (one
tool call per model response), then answers.

Usage: python pydantic_ai_run.py OUT_DIR   (needs pydantic-ai-slim; see the fixtures README)
"""

import sys
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.instrumented import InstrumentationSettings
from pydantic_ai.usage import RequestUsage

from otlp_json import write_otlp_json

STEPS = [
    ToolCallPart(tool_name="lookup_order", args={"order_id": "A-17"}, tool_call_id="call_1"),
    ToolCallPart(tool_name="lookup_order", args={"order_id": "A-17"}, tool_call_id="call_2"),
    TextPart(content="Order A-17 shipped on 2024-05-02."),
]


def scripted(messages, info):
    """Each call takes the next step; every call uses 90 input and 12 output tokens."""
    n = sum(1 for m in messages if isinstance(m, ModelResponse))
    return ModelResponse(parts=[STEPS[min(n, len(STEPS) - 1)]],
                         usage=RequestUsage(input_tokens=90, output_tokens=12))


def main(out_dir):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent = Agent(FunctionModel(scripted, model_name="scripted-support"), name="support",
                  instructions="You are support.")
    # pydantic-ai 2.x has no `instrument=` constructor argument; the property is its equivalent
    agent.instrument = InstrumentationSettings(tracer_provider=provider)

    @agent.tool_plain
    def lookup_order(order_id: str) -> str:
        """Look up an order."""
        return "status: shipped 2024-05-02"

    result = agent.run_sync("Where is order A-17?")
    spans = exporter.get_finished_spans()
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    write_otlp_json(spans, target / "otlp.jsonl")
    print(f"pydantic_ai: {len(spans)} spans, final output {result.output!r}")


if __name__ == "__main__":
    main(sys.argv[1])
