"""The guardrail of docs/live.md in the OpenAI Agents SDK: a researcher
agent whose scripted model calls the same search forever, traced by
opentelemetry-instrumentation-openai-agents-v2 through the real OTLP/HTTP
exporter, with a RunHooks.on_llm_start hook that asks tracelint for the
trace's verdict before each model call and stops the run on a trip
(exit code 3). Offline: the model is tools/frameworks' ScriptedModel.

    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces \\
    OTEL_BSP_SCHEDULE_DELAY=100 TRACELINT_ENDPOINT=http://127.0.0.1:4318 \\
    python openai_agents_guard.py
"""

import asyncio
import os
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path[:0] = [str(here), str(here.parent.parent / "tools" / "frameworks")]
os.environ.setdefault("OPENAI_API_KEY", "sk-offline")  # never used: the model is scripted

from agents import Agent, RunHooks, Runner, function_tool  # noqa: E402
from agents.tracing import set_trace_processors  # noqa: E402
from loop_agent import Tripped, assert_not_tripped  # noqa: E402
from openai_agents_runs import ScriptedModel  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.instrumentation.openai_agents import OpenAIAgentsInstrumentor  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402


class Guard(RunHooks):
    async def on_llm_start(self, context, agent, system_prompt, input_items):
        # A model call takes a while; the scripted one answers at once.
        await asyncio.sleep(0.2)
        assert_not_tripped()


@function_tool
def search(query: str) -> str:
    """Searches the web."""
    return "no results"


def main():
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    set_trace_processors([])  # no upload to OpenAI's tracing backend
    OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)
    model = ScriptedModel("researcher", [("call", "search", {"query": "latest GDP of France"})])
    agent = Agent(name="researcher", instructions="Find the figure.", model=model, tools=[search])
    code = 0
    try:
        asyncio.run(Runner.run(agent, "What is the latest GDP of France?", max_turns=60, hooks=Guard()))
    except Tripped as error:
        print(f"stopped after {model.calls} model calls: {error}", file=sys.stderr)
        code = 3
    provider.shutdown()
    sys.exit(code)


if __name__ == "__main__":
    main()
