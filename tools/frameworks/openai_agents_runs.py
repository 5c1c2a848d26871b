"""Runs the OpenAI Agents SDK offline, with a scripted model, over the
fixture scenarios, and records each run three ways at once:

- native.jsonl: the SDK's own export (`item.export()` of every trace and
  span, one per line, as a custom TracingProcessor writes it);
- otel_genai.otlp.jsonl: OTLP/JSON from opentelemetry-instrumentation-openai-agents-v2;
- openinference.otlp.jsonl: OTLP/JSON from openinference-instrumentation-openai-agents.

Usage: python openai_agents_runs.py OUT_DIR

With `--console SCENARIO` it instead runs that one scenario with the SDK's own
`BatchTraceProcessor(ConsoleSpanExporter())` as the only trace processor, so
stdout is the SDK's console output (spans are printed in full only when
OPENAI_AGENTS_DONT_LOG_MODEL_DATA and OPENAI_AGENTS_DONT_LOG_TOOL_DATA are
false/0; by default each line says the data is redacted), then the outcome:

    python openai_agents_runs.py --console repeated_tool_call > console.txt
"""

import asyncio
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENAI_API_KEY", "sk-offline-fixture")
os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")

from agents import Agent, Runner, function_tool  # noqa: E402
from agents.exceptions import MaxTurnsExceeded  # noqa: E402
from agents.items import ModelResponse  # noqa: E402
from agents.models.interface import Model  # noqa: E402
from agents.tracing import TracingProcessor, generation_span, set_trace_processors  # noqa: E402
from agents.usage import Usage  # noqa: E402
from openai.types.responses import (  # noqa: E402
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from otlp_json import write_otlp_json
from plans import plan  # noqa: E402


class ScriptedModel(Model):
    """A model that answers from a script: each call takes the next step
    (the last step repeats). Steps: ("say", text), ("call", tool, args),
    ("handoff", agent). Every call uses 120 input and 30 output tokens."""

    def __init__(self, name, steps):
        self.name = name
        self.steps = list(steps)
        self.calls = 0

    def _next(self):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        return step

    async def get_response(self, system_instructions, input, model_settings, tools,
                           output_schema, handoffs, tracing, **_):
        step = self._next()
        n = self.calls
        if step[0] == "say":
            item = ResponseOutputMessage(
                id=f"msg_{self.name}_{n}", type="message", role="assistant", status="completed",
                content=[ResponseOutputText(type="output_text", text=step[1], annotations=[])])
        else:
            tool = step[1] if step[0] == "call" else f"transfer_to_{step[1]}"
            args = json.dumps(step[2]) if step[0] == "call" else "{}"
            item = ResponseFunctionToolCall(
                id=f"fc_{self.name}_{n}", call_id=f"call_{self.name}_{n}", type="function_call",
                name=tool, arguments=args, status="completed")
        usage = {"input_tokens": 120, "output_tokens": 30}
        with generation_span(model=f"scripted-{self.name}", usage=usage,
                             input=[{"role": "user", "content": str(input)[-200:]}]) as span:
            span.span_data.output = [item.model_dump()]
        return ModelResponse(output=[item], response_id=None,
                             usage=Usage(requests=1, input_tokens=120, output_tokens=30,
                                         total_tokens=150))

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError("the fixtures do not stream")


class JsonlProcessor(TracingProcessor):
    """The SDK's native export: `export()` of each trace and span."""

    def __init__(self):
        self.items = []

    def on_trace_start(self, trace):
        pass

    def on_trace_end(self, trace):
        self.items.append(trace.export())

    def on_span_start(self, span):
        pass

    def on_span_end(self, span):
        self.items.append(span.export())

    def shutdown(self):
        pass

    def force_flush(self):
        pass


def agent(name, steps, **kwargs):
    return Agent(name=name, instructions=f"You are {name}.", model=ScriptedModel(name, steps),
                 **kwargs)


@function_tool
def search(query: str) -> str:
    """Search the web."""
    return "no results"


@function_tool
def fetch_sales(quarter: str) -> str:
    """Fetch sales figures for a quarter."""
    raise RuntimeError("database timeout after 30s")


@function_tool
def fetch_primary(report: str) -> str:
    """Fetch a report from the primary store."""
    raise RuntimeError("503 Service Unavailable")


@function_tool
def fetch_mirror(report: str, source: str) -> str:
    """Fetch a report from a mirror."""
    return "revenue: 4.2M"


@function_tool
def lookup_invoice(invoice_id: str) -> str:
    """Look up an invoice."""
    return "status: paid"


def handoff_ping_pong():
    triage = agent("triage", [("handoff", "refunds")])
    refunds = agent("refunds", [("handoff", "triage")])
    triage.handoffs = [refunds]
    refunds.handoffs = [triage]
    return triage, "I want a refund for order 42", 6


def repeated_tool_call():
    steps = [("call", "search", {"query": "latest GDP of France"})] * 5
    researcher = agent("researcher", steps + [("say", "I could not find the figure.")],
                       tools=[search])
    return researcher, "What is the latest GDP of France?", 10


def failed_worker_ignored():
    worker = agent("data_worker", [("call", "fetch_sales", {"quarter": "Q3"}),
                                   ("say", "status: failed - could not fetch Q3 sales")],
                   tools=[fetch_sales])
    orchestrator = agent("orchestrator", [
        ("call", "data_worker", {"input": "Fetch Q3 sales"}),
        ("say", "Q3 sales grew 12% over Q2."),
    ], tools=[worker.as_tool(tool_name="data_worker", tool_description="Fetches data")])
    return orchestrator, "How did Q3 sales compare to Q2?", 10


def planner_no_convergence():
    critic = agent("critic", [("say", "Needs revision: the order of steps is still unclear.")])
    plans = [("call", "critic", {"input": plan(n)}) for n in range(1, 20)]
    planner = agent("planner", plans,
                    tools=[critic.as_tool(tool_name="critic", tool_description="Reviews plans")])
    return planner, "Plan the launch blog post", 8


def replan_after_failure():
    orchestrator = agent("orchestrator", [
        ("call", "fetch_primary", {"report": "q3"}),
        ("call", "fetch_mirror", {"report": "q3", "source": "mirror-eu"}),
        ("say", "Q3 revenue was 4.2M (read from the EU mirror after the primary store failed)."),
    ], tools=[fetch_primary, fetch_mirror])
    return orchestrator, "What was Q3 revenue?", 10


def healthy():
    billing = agent("billing", [("call", "lookup_invoice", {"invoice_id": "INV-1001"}),
                                ("say", "Invoice INV-1001 is paid.")], tools=[lookup_invoice])
    triage = agent("triage", [("handoff", "billing")], handoffs=[billing])
    return triage, "Is invoice INV-1001 paid?", 10


SCENARIOS = {
    "handoff_ping_pong": handoff_ping_pong,
    "repeated_tool_call": repeated_tool_call,
    "failed_worker_ignored": failed_worker_ignored,
    "planner_no_convergence": planner_no_convergence,
    "replan_after_failure": replan_after_failure,
    "healthy": healthy,
}


def run(build):
    """Runs one scenario; returns how it ended, as one line."""
    start, task, max_turns = build()
    try:
        result = asyncio.run(Runner.run(start, task, max_turns=max_turns))
        return f"final output: {result.final_output!r}"
    except MaxTurnsExceeded as error:
        return f"MaxTurnsExceeded: {error}"


def console(scenario):
    """Runs one scenario with the SDK's ConsoleSpanExporter as the only
    trace processor (no export to api.openai.com)."""
    from agents.tracing import flush_traces, get_trace_provider
    from agents.tracing.processors import BatchTraceProcessor, ConsoleSpanExporter

    set_trace_processors([BatchTraceProcessor(ConsoleSpanExporter())])
    outcome = run(SCENARIOS[scenario])
    flush_traces()
    get_trace_provider().shutdown()
    print(f"{scenario}: {outcome}", flush=True)


def main(out_dir):
    from openinference.instrumentation.openai_agents import (
        OpenAIAgentsInstrumentor as OpenInferenceInstrumentor,
    )
    from opentelemetry.instrumentation.openai_agents import (
        OpenAIAgentsInstrumentor as GenAiInstrumentor,
    )

    native = JsonlProcessor()
    set_trace_processors([native])  # no export to api.openai.com
    exporters = {}
    for name, instrumentor, kwargs in [
        ("otel_genai", GenAiInstrumentor(), {}),
        ("openinference", OpenInferenceInstrumentor(), {"exclusive_processor": False}),
    ]:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        instrumentor.instrument(tracer_provider=provider, **kwargs)
        exporters[name] = exporter

    for scenario, build in SCENARIOS.items():
        native.items.clear()
        for exporter in exporters.values():
            exporter.clear()
        outcome = run(build)
        target = Path(out_dir) / scenario
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "native.jsonl", "w") as out:
            for item in native.items:
                if item:
                    out.write(json.dumps(item, sort_keys=True) + "\n")
        for name, exporter in exporters.items():
            write_otlp_json(exporter.get_finished_spans(), target / f"{name}.otlp.jsonl")
        print(f"{scenario}: {outcome}")


if __name__ == "__main__":
    if sys.argv[1] == "--console":
        console(sys.argv[2])
    else:
        main(sys.argv[1])
