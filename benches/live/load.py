"""Load for `tracelint serve`, sent by the real OpenTelemetry Python SDK
exporter (OTLPSpanExporter, OTLP/HTTP protobuf), for the throughput and
memory figures of benches/README.md ("Live guard").

Each process makes its traces with the SDK's own tracer (spans captured by
an in-memory exporter first, so that span creation is not timed), then
exports them in batches of --batch spans, the BatchSpanProcessor's default
size, through OTLPSpanExporter.export, one request per batch. A trace is an
agent run: an invoke_agent root and model and tool calls under it, with
GenAI attributes and outputs (one trace in five repeats an answer, so the
detectors have something to find).

    python load.py --endpoint http://127.0.0.1:4318/v1/traces \
        --traces 10000 --spans-per-trace 20 --processes 2 [--dump FILE]

--dump writes the same requests as OTLP/JSON Lines (the Collector file
exporter's format) instead of sending them, for `tracelint check` on the
same spans. Prints one JSON line: spans, requests, seconds, spans_per_s.
"""

import argparse
import base64
import json
import multiprocessing
import random
import time

from google.protobuf.json_format import MessageToJson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def make_spans(traces, spans_per_trace, seed):
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"load-{seed}"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("load")
    rng = random.Random(seed)
    for t in range(traces):
        looping = t % 5 == 0
        with tracer.start_as_current_span(
            "invoke_agent worker",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "worker"},
        ):
            for s in range(spans_per_trace - 1):
                if s % 2 == 0:
                    answer = "Checking the order." if looping else f"Step {s}: {rng.random():.6f}"
                    with tracer.start_as_current_span("chat gpt-4o") as span:
                        span.set_attribute("gen_ai.operation.name", "chat")
                        span.set_attribute("gen_ai.agent.name", "worker")
                        span.set_attribute("gen_ai.request.model", "gpt-4o")
                        span.set_attribute("gen_ai.usage.input_tokens", 1200)
                        span.set_attribute("gen_ai.usage.output_tokens", 40)
                        span.set_attribute(
                            "gen_ai.output.messages",
                            json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]),
                        )
                else:
                    with tracer.start_as_current_span("execute_tool lookup_order") as span:
                        span.set_attribute("gen_ai.operation.name", "execute_tool")
                        span.set_attribute("gen_ai.tool.name", "lookup_order")
                        span.set_attribute("gen_ai.tool.call.arguments", json.dumps({"order": t} if looping else {"order": t, "step": s}))
                        span.set_attribute("gen_ai.tool.call.result", json.dumps({"status": "shipped"}))
    provider.shutdown()
    return list(memory.get_finished_spans())


def otlp_json(request):
    """The request as OTLP/JSON: protobuf's JSON mapping with the ids in
    hex, as the OTLP specification (and the Collector) write them."""
    document = json.loads(MessageToJson(request))
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = base64.b64decode(span[key]).hex()
    return document


def work(args, part, queue):
    traces = args.traces // args.processes + (1 if part < args.traces % args.processes else 0)
    spans = make_spans(traces, args.spans_per_trace, seed=part)
    batches = [spans[i:i + args.batch] for i in range(0, len(spans), args.batch)]
    if args.dump:
        with open(f"{args.dump}.{part}", "w") as out:
            for batch in batches:
                out.write(json.dumps(otlp_json(encode_spans(batch))) + "\n")
        queue.put((len(spans), len(batches), 0.0))
        return
    exporter = OTLPSpanExporter(endpoint=args.endpoint, timeout=30)
    started = time.perf_counter()
    for batch in batches:
        result = exporter.export(batch)
        if result.name != "SUCCESS":
            raise SystemExit(f"export failed: {result}")
    queue.put((len(spans), len(batches), time.perf_counter() - started))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="http://127.0.0.1:4318/v1/traces")
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--spans-per-trace", type=int, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--dump")
    args = parser.parse_args()
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=work, args=(args, p, queue)) for p in range(args.processes)]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
        if w.exitcode:
            raise SystemExit(f"a load process failed ({w.exitcode})")
    spans = sum(r[0] for r in results)
    seconds = max(r[2] for r in results)
    print(json.dumps({
        "spans": spans,
        "requests": sum(r[1] for r in results),
        "seconds": round(seconds, 3),
        "spans_per_s": round(spans / seconds) if seconds else None,
    }))


if __name__ == "__main__":
    main()
