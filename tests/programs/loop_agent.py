"""A plain agent loop traced with the real OpenTelemetry Python SDK and its
OTLP/HTTP exporter, driven by a scripted model (no network, no API key).

The researcher asks its model what to do next until the model gives a final
answer. In the default script the model says the same thing every turn and
never answers: the run loops forever, the way the incident behind MAST's
"step repetition" did. With --healthy the model works the task in three
different steps and answers.

Each model call is a `chat gpt-4o` span with the OTel GenAI attributes
(gen_ai.operation.name, gen_ai.agent.name, gen_ai.request.model, token
usage, gen_ai.output.messages). The exporter is configured only by the
standard environment variables, which `tracelint watch` sets
(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_BSP_SCHEDULE_DELAY).

With --guard the agent asks tracelint for its trace's verdict before each
model call (`assert_not_tripped`, the guardrail of docs/live.md) and stops
itself, exit code 3, when the trace tripped: the in-process guard of a run
sending to `tracelint serve`.

With LOOP_AGENT_MARKS set, a line "<turn> <unix time>" is appended to that
file as each model call ends, for the test to time the stop.

    python loop_agent.py [--healthy] [--guard] [--turn-seconds 0.2]
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

LOOPING = ["I will look the order up now."]
HEALTHY = [
    "Looking up order 1234 in the order system.",
    "Order 1234 was found; checking its shipment.",
    "The shipment left the warehouse on Monday.",
    "FINAL ANSWER: order 1234 shipped on Monday.",
]


class Tripped(RuntimeError):
    """tracelint judged this run's trace: stop it."""


def assert_not_tripped(endpoint=None):
    """Raises Tripped when tracelint's verdict on the current trace is
    "trip". The trace is the current OpenTelemetry span's; a trace the
    guard has not received yet (404) is not tripped."""
    endpoint = endpoint or os.environ.get("TRACELINT_ENDPOINT", "http://127.0.0.1:4318")
    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
    try:
        with urllib.request.urlopen(f"{endpoint}/v1/traces/{trace_id}/verdict", timeout=1) as response:
            verdict = json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return
        raise
    if verdict["verdict"] == "trip":
        raise Tripped("tracelint tripped this run: " + ", ".join(verdict["tripped_by"]))


class ScriptedModel:
    """Answers from a script; the last line repeats once the script ends."""

    def __init__(self, script):
        self.script = script
        self.calls = 0

    def complete(self, _messages):
        reply = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        return reply, 1200, 40


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--healthy", action="store_true")
    parser.add_argument("--guard", action="store_true")
    parser.add_argument("--turn-seconds", type=float, default=0.2)
    args = parser.parse_args()

    provider = TracerProvider(resource=Resource.create({"service.name": "order-assistant"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("loop_agent")
    model = ScriptedModel(HEALTHY if args.healthy else LOOPING)
    marks = os.environ.get("LOOP_AGENT_MARKS")
    messages = [{"role": "user", "content": "Where is my order 1234?"}]

    stopped = None
    with tracer.start_as_current_span(
        "invoke_agent researcher",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
    ):
        turn = 0
        while True:
            turn += 1
            if args.guard:
                try:
                    assert_not_tripped()
                except Tripped as error:
                    stopped = error
                    break
            with tracer.start_as_current_span("chat gpt-4o") as span:
                span.set_attribute("gen_ai.operation.name", "chat")
                span.set_attribute("gen_ai.agent.name", "researcher")
                span.set_attribute("gen_ai.request.model", "gpt-4o")
                reply, input_tokens, output_tokens = model.complete(messages)
                time.sleep(args.turn_seconds)
                span.set_attribute("gen_ai.usage.input_tokens", input_tokens)
                span.set_attribute("gen_ai.usage.output_tokens", output_tokens)
                span.set_attribute(
                    "gen_ai.output.messages",
                    json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": reply}]}]),
                )
            if marks:
                with open(marks, "a") as f:
                    f.write(f"{turn} {time.time()}\n")
            messages.append({"role": "assistant", "content": reply})
            if reply.startswith("FINAL ANSWER"):
                break
    provider.shutdown()
    if stopped:
        print(f"stopped at turn {turn}: {stopped}", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
