"""Writes a small GenAI-convention trace and its GenAI log records with the
plain OpenTelemetry Python SDK (no framework), each as binary protobuf and
as OTLP/JSON:

- traces.binpb: ExportTraceServiceRequest (encode_spans);
- logs.binpb: ExportLogsServiceRequest (encode_logs);
- traces.json, logs.json: the same requests as OTLP/JSON (proto3 JSON field
  names, ids as lower-case hex, as otlp_json.py writes them).

The trace: `invoke_agent support` over `chat gpt-4o-mini` (which asks for
the same `lookup_invoice` call twice), two identical `execute_tool
lookup_invoice` spans, and a second `chat gpt-4o-mini` that answers. Each
chat span has one `gen_ai.choice` log record, emitted inside it (so it
carries the span's trace and span ids), with body {"index", "finish_reason",
"message": {"role", "content", ...}}.

Usage: python otel_sdk_genai.py OUT_DIR   (needs opentelemetry-sdk and
opentelemetry-exporter-otlp-proto-common; see the fixtures README)
"""

import json
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otlp_json import _hex_ids

MODEL = "gpt-4o-mini"
ARGS = json.dumps({"invoice_id": "INV-1001"})
RESULT = json.dumps({"status": "paid"})
ANSWER = "Invoice INV-1001 is paid."


def run(tracer, logger):
    def chat(input_tokens, output_tokens, finish_reason, message):
        with tracer.start_as_current_span(f"chat {MODEL}", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": MODEL,
        }) as span:
            span.set_attributes({
                "gen_ai.response.model": MODEL,
                "gen_ai.response.finish_reasons": [finish_reason],
                "gen_ai.usage.input_tokens": input_tokens,
                "gen_ai.usage.output_tokens": output_tokens,
            })
            logger.emit(event_name="gen_ai.choice",
                        attributes={"gen_ai.provider.name": "openai"},
                        body={"index": 0, "finish_reason": finish_reason, "message": message})

    def execute_tool(call_id):
        with tracer.start_as_current_span("execute_tool lookup_invoice", attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_invoice",
            "gen_ai.tool.type": "function",
            "gen_ai.tool.call.id": call_id,
            "gen_ai.tool.call.arguments": ARGS,
        }) as span:
            span.set_attribute("gen_ai.tool.call.result", RESULT)

    with tracer.start_as_current_span("invoke_agent support", attributes={
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.agent.name": "support",
        "gen_ai.request.model": MODEL,
    }):
        calls = [{"id": f"call_{n}", "type": "function",
                  "function": {"name": "lookup_invoice", "arguments": ARGS}} for n in (1, 2)]
        chat(150, 40, "tool_calls", {"role": "assistant", "content": "Checking the invoice.",
                                     "tool_calls": calls})
        execute_tool("call_1")
        execute_tool("call_2")
        chat(210, 12, "stop", {"role": "assistant", "content": ANSWER})


def write(message, stem, target):
    (target / f"{stem}.binpb").write_bytes(message.SerializeToString())
    with open(target / f"{stem}.json", "w") as out:
        out.write(json.dumps(_hex_ids(MessageToDict(message)), sort_keys=True) + "\n")


def main(out_dir):
    resource = Resource.create({"service.name": "support-bot"})
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))

    run(tracer_provider.get_tracer("support_bot"), logger_provider.get_logger("support_bot"))

    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    write(encode_spans(spans.get_finished_spans()), "traces", target)
    write(encode_logs(logs.get_finished_logs()), "logs", target)
    print(f"otel_sdk: {len(spans.get_finished_spans())} spans, "
          f"{len(logs.get_finished_logs())} log records")


if __name__ == "__main__":
    main(sys.argv[1])
