#!/usr/bin/env python3
"""Writes sample-traces/: small OTLP/JSON traces of five multi-agent runs, in
the OpenTelemetry GenAI dialect as opentelemetry-instrumentation-openai-agents
writes it (invoke_agent / chat / execute_tool / agent_handoff spans, the
placeholder agent name "OpenAI Agent" on child spans, int64 values as strings).

Deterministic: ids and times derive from the scenario name, so re-running it
rewrites the same bytes. Run from the repository root:

    python3 tools/make_sample_traces.py
"""
import hashlib
import json
import os

OUT = "sample-traces"
T0 = 1_795_000_000_000_000_000  # 2026-11-18T08:26:40Z


def hex_id(*parts, n=16):
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:n]


def attr(key, value):
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


class Trace:
    def __init__(self, scenario, service):
        self.scenario = scenario
        self.service = service
        self.trace_id = hex_id(scenario, "trace", n=32)
        self.spans = []
        self.clock = T0
        self.count = 0

    def span(self, name, parent, attrs, ms=100, error=None):
        self.count += 1
        span_id = hex_id(self.scenario, self.count)
        start = self.clock
        self.clock += ms * 1_000_000
        span = {
            "traceId": self.trace_id,
            "spanId": span_id,
            "parentSpanId": parent or "",
            "name": name,
            "kind": 1,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(self.clock),
            "attributes": [attr(k, v) for k, v in attrs.items()],
            "status": {"code": 2, "message": error} if error else {"code": 1},
        }
        self.spans.append(span)
        return span_id

    def agent(self, name, parent=None):
        # Agent spans enclose their children: start now, end set later.
        return self.span(f"invoke_agent {name}", parent,
                         {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}, ms=1)

    def close(self, span_id, error=None):
        span = next(s for s in self.spans if s["spanId"] == span_id)
        self.clock += 1_000_000
        span["endTimeUnixNano"] = str(self.clock)
        if error:
            span["status"] = {"code": 2, "message": error}

    def chat(self, parent, output, tokens_in, tokens_out, ms=400):
        return self.span("chat gpt-4o", parent, {
            "gen_ai.operation.name": "chat",
            "gen_ai.agent.name": "OpenAI Agent",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": tokens_in,
            "gen_ai.usage.output_tokens": tokens_out,
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": output}]}]),
        }, ms=ms)

    def tool(self, parent, name, args, result, error=None, ms=150):
        attrs = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.agent.name": "OpenAI Agent",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.arguments": json.dumps(args),
            "gen_ai.tool.call.result": result,
        }
        if error:
            attrs["error.type"] = "ToolError"
        return self.span(f"execute_tool {name}", parent, attrs, ms=ms, error=error)

    def handoff(self, parent, source, target):
        return self.span("agent_handoff OpenAI Agent", parent, {
            "gen_ai.operation.name": "agent_handoff",
            "gen_ai.agent.name": "OpenAI Agent",
            "gen_ai.handoff.from_agent": source,
            "gen_ai.handoff.to_agent": target,
        }, ms=5)

    def document(self):
        return {"resourceSpans": [{
            "resource": {"attributes": [attr("service.name", self.service)]},
            "scopeSpans": [{
                "scope": {"name": "opentelemetry.instrumentation.openai_agents", "version": "0.1.0"},
                "spans": self.spans,
            }],
        }]}


def handoff_loop():
    """Triage and billing hand a refund request back and forth until the
    framework's max_turns guard stops the run: no agent owns the task."""
    t = Trace("handoff-loop", "support-desk")
    root = t.span("invoke_workflow support-desk", None, {"gen_ai.operation.name": "invoke_workflow"}, ms=1)
    current, other = "triage", "billing"
    for turn in range(14):
        agent = t.agent(current, root)
        t.chat(agent, f"This looks like a {other} question; handing over.", 800 + 60 * turn, 40)
        t.handoff(agent, current, other)
        t.close(agent)
        current, other = other, current
    t.close(root, error="Max turns exceeded: {'max_turns': 15}")
    return t


def repeated_output():
    """A researcher says it will look the order up, eight times, and never does."""
    t = Trace("repeated-output", "order-assistant")
    root = t.agent("coordinator")
    t.chat(root, "Delegating the order status question to the researcher.", 300, 25)
    t.handoff(root, "coordinator", "researcher")
    worker = t.agent("researcher", root)
    for i in range(8):
        t.chat(worker, "I will check the order status in the warehouse system now.", 500 + 90 * i, 14)
    t.close(worker)
    t.close(root, error="Max turns exceeded: {'max_turns': 10}")
    return t


def planner_no_convergence():
    """A planner and a critic revise a launch plan for nine rounds; each
    version differs from the last by a word or two and none is accepted."""
    t = Trace("planner-no-convergence", "launch-planner")
    root = t.agent("planner")
    base = ("Launch plan. Step 1: draft the announcement with the three changes customers asked "
            "for most, one paragraph each, and a short summary on top. Step 2: review pricing with "
            "finance and agree on the discount for existing customers before anything is published. "
            "Step 3: prepare the demo on the staging system and record a two-minute video of it. "
            "Step 4: brief the support team with the questions we expect and the answers we give. "
            "Step 5: publish on {day} morning, send the newsletter, and measure sign-ups after a week.")
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Monday", "Tuesday", "Wednesday", "Thursday"]
    for rnd, day in enumerate(days):
        t.chat(root, base.format(day=day), 900 + 150 * rnd, 60)
        t.handoff(root, "planner", "critic")
        critic = t.agent("critic", root)
        t.chat(critic, f"Round {rnd + 1}: the timing is still not right; move the publication day.", 700 + 120 * rnd, 20)
        t.close(critic)
        t.handoff(root, "critic", "planner")
    t.close(root)
    return t


def ignored_failed_worker():
    """The fetcher's database query fails; the orchestrator answers anyway,
    as if the figures had come back."""
    t = Trace("ignored-failed-worker", "sales-report")
    root = t.agent("orchestrator")
    t.chat(root, "I need last quarter's revenue; asking the data fetcher.", 400, 30)
    t.handoff(root, "orchestrator", "fetcher")
    worker = t.agent("fetcher", root)
    t.chat(worker, "Querying the revenue table for Q3.", 350, 20)
    t.tool(worker, "sql_query", {"query": "SELECT sum(amount) FROM revenue WHERE quarter = 'Q3'"},
           "", error="connection refused: revenue-db:5432")
    t.chat(worker, '{"status": "failed", "reason": "revenue-db unreachable"}', 380, 18)
    t.close(worker, error="worker failed: revenue-db unreachable")
    t.handoff(root, "fetcher", "orchestrator")
    t.chat(root, "Final answer: Q3 revenue grew 12% to $4.2M, driven by enterprise renewals.", 620, 35)
    t.close(root)
    return t


def healthy():
    """A research question answered in order: search, read, write, check."""
    t = Trace("healthy", "research-assistant")
    root = t.agent("orchestrator")
    t.chat(root, "Splitting the question: research first, then write.", 350, 25)
    t.handoff(root, "orchestrator", "researcher")
    researcher = t.agent("researcher", root)
    t.chat(researcher, "Searching for the 2025 adoption figures.", 300, 15)
    t.tool(researcher, "web_search", {"q": "multi-agent adoption 2025", "page": 1}, "5 results")
    t.tool(researcher, "fetch_page", {"url": "https://example.org/report"}, "report text")
    t.chat(researcher, '{"status": "success", "result": "adoption doubled", "confidence": 0.9}', 900, 40)
    t.close(researcher)
    t.handoff(root, "researcher", "writer")
    writer = t.agent("writer", root)
    t.chat(writer, "Adoption of multi-agent systems doubled in 2025, per the example.org report.", 700, 60)
    t.close(writer)
    t.handoff(root, "writer", "reviewer")
    reviewer = t.agent("reviewer", root)
    t.chat(reviewer, '{"status": "success", "result": "approved", "confidence": 0.95}', 500, 12)
    t.close(reviewer)
    t.chat(root, "Final answer: adoption of multi-agent systems doubled in 2025.", 400, 20)
    t.close(root)
    return t


SCENARIOS = [handoff_loop, repeated_output, planner_no_convergence, ignored_failed_worker, healthy]


def main():
    for make in SCENARIOS:
        trace = make()
        folder = os.path.join(OUT, trace.scenario)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "trace.json"), "w") as f:
            json.dump(trace.document(), f, indent=1)
            f.write("\n")
        with open(os.path.join(folder, "README.md"), "w") as f:
            f.write(f"# {trace.scenario}\n\n{make.__doc__.strip()}\n\n"
                    f"Written by tools/make_sample_traces.py ({len(trace.spans)} spans, trace {trace.trace_id}).\n")


if __name__ == "__main__":
    main()
