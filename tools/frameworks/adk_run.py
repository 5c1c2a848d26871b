"""Runs Google ADK offline, with a scripted model, and records the
OpenTelemetry spans ADK emits (through the global tracer provider) twice:

- otlp.jsonl: OTLP/JSON, one ExportTraceServiceRequest per line (otlp_json.py);
- otlp.binpb: the same request as binary protobuf.

Scenario: LlmAgents `triage` (sub_agents=[billing]) and `billing` pass the
task to each other with ADK's built-in `transfer_to_agent`; each time billing
has it, it calls `lookup_invoice(invoice_id="INV-2291")`, three times in all,
and the third time it answers.

Usage: python adk_run.py OUT_DIR   (needs google-adk; see the fixtures README)
"""

import asyncio
import os
import sys
from pathlib import Path

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

# The OTel GenAI content knob (ADK's default is no content): SPAN_ONLY puts
# tool arguments and results, and the messages, on the spans.
os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")

EXPORTER = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_provider)  # ADK's tracer is the global one

from google.adk.agents import LlmAgent  # noqa: E402
from google.adk.models.base_llm import BaseLlm  # noqa: E402
from google.adk.models.llm_response import LlmResponse  # noqa: E402
from google.adk.runners import InMemoryRunner  # noqa: E402
from google.genai import types  # noqa: E402

from otlp_json import write_otlp_json  # noqa: E402


class ScriptedLlm(BaseLlm):
    """A model that answers from a script: each call takes the next step
    (the last step repeats). Steps: ("say", text), ("call", tool, args).
    Every call uses 140 prompt and 35 candidate tokens."""

    steps: list
    calls: int = 0

    @classmethod
    def supported_models(cls):
        return []

    async def generate_content_async(self, llm_request, stream=False):
        step = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        if step[0] == "say":
            part = types.Part(text=step[1])
        else:
            part = types.Part(function_call=types.FunctionCall(
                id=f"call_{self.model}_{self.calls}", name=step[1], args=step[2]))
        yield LlmResponse(
            content=types.Content(role="model", parts=[part]),
            finish_reason=types.FinishReason.STOP,
            usage_metadata=types.GenerateContentResponseUsageMetadata(
                prompt_token_count=140, candidates_token_count=35, total_token_count=175),
        )


def lookup_invoice(invoice_id: str) -> dict:
    """Look up an invoice by its id."""
    return {"status": "paid", "amount": "120.00 EUR"}


INVOICE = ("call", "lookup_invoice", {"invoice_id": "INV-2291"})
TO_BILLING = ("call", "transfer_to_agent", {"agent_name": "billing"})
TO_TRIAGE = ("call", "transfer_to_agent", {"agent_name": "triage"})
FINAL = "Invoice INV-2291 is paid (120.00 EUR)."


def build():
    billing = LlmAgent(
        name="billing", description="Answers billing and invoice questions.",
        instruction="You are billing.",
        model=ScriptedLlm(model="scripted-billing",
                          steps=[INVOICE, TO_TRIAGE, INVOICE, TO_TRIAGE, INVOICE, ("say", FINAL)]),
        tools=[lookup_invoice])
    triage = LlmAgent(
        name="triage", description="Routes customer requests.", instruction="You are triage.",
        model=ScriptedLlm(model="scripted-triage", steps=[TO_BILLING]),
        sub_agents=[billing])
    return triage


async def run(root, task):
    runner = InMemoryRunner(agent=root, app_name="tracelint_fixture")
    session = await runner.session_service.create_session(
        app_name="tracelint_fixture", user_id="user-1")
    final = None
    async for event in runner.run_async(
            user_id="user-1", session_id=session.id,
            new_message=types.Content(role="user", parts=[types.Part(text=task)])):
        if event.content and event.content.parts:
            for part in event.content.parts:
                if part.text:
                    final = (event.author, part.text)
    return final


def main(out_dir):
    final = asyncio.run(run(build(), "Is invoice INV-2291 paid?"))
    spans = EXPORTER.get_finished_spans()
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    write_otlp_json(spans, target / "otlp.jsonl")
    (target / "otlp.binpb").write_bytes(encode_spans(spans).SerializeToString())
    print(f"adk: {len(spans)} spans, final answer {final!r}")


if __name__ == "__main__":
    main(sys.argv[1])
