"""Runs LangGraph graphs offline, with scripted chat models, over the
fixture scenarios, and records each run two ways at once:

- debug.jsonl: `graph.stream(..., stream_mode="debug")`, one event per line
  (checkpoint / task / task_result), messages as their model_dump();
- langsmith_runs.jsonl: the LangChain run tree of the same run, one run per
  line, as a LangChain tracer (BaseTracer) holds it: the Run schema that
  LangSmith stores (id, trace_id, parent_run_id, dotted_order, run_type,
  inputs, outputs, extra.metadata with langgraph_node / langgraph_step, error).

Usage: python langgraph_runs.py OUT_DIR
"""

import json
import sys
from pathlib import Path
from typing import Annotated, TypedDict

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langchain_core.tracers.base import BaseTracer
from langgraph.errors import GraphRecursionError
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

from plans import plan

USAGE = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}


class State(TypedDict):
    messages: Annotated[list, add_messages]
    status: str
    route: str


def scripted(texts):
    """A chat model answering the given texts in turn (the last repeats)."""
    def messages():
        i = 0
        while True:
            item = texts[min(i, len(texts) - 1)]
            i += 1
            if isinstance(item, AIMessage):
                yield item.model_copy()
            else:
                yield AIMessage(content=item, usage_metadata=USAGE)
    return GenericFakeChatModel(messages=messages())


def node(name, model, route=None, status=None):
    def run(state):
        reply = model.invoke(state["messages"][-3:])
        reply.name = name
        update = {"messages": [reply]}
        if route is not None:
            update["route"] = route(state, reply)
        if status is not None:
            update["status"] = status
        return update
    run.__name__ = name
    return run


class RunCollector(BaseTracer):
    """Keeps every finished run, flattened."""

    def __init__(self):
        super().__init__()
        self.runs = []

    def _persist_run(self, run):
        def walk(r):
            data = r.model_dump(exclude={"child_runs", "parent_run"})
            self.runs.append(data)
            for child in r.child_runs:
                walk(child)
        walk(run)


def planner_no_convergence():
    graph = StateGraph(State)
    plans = [plan(n) for n in range(1, 30)]
    graph.add_node("planner", node("planner", scripted(plans)))
    graph.add_node("critic", node("critic", scripted(
        ["Needs revision: the order of steps is still unclear."])))
    graph.add_edge(START, "planner")
    graph.add_edge("planner", "critic")
    graph.add_edge("critic", "planner")
    return graph, "Plan the launch blog post", 8


def handoff_ping_pong():
    """Two agents handing the task to each other with LangGraph's handoff
    idiom, `Command(goto=...)`, until the recursion limit."""
    from langgraph.types import Command

    def agent(name, other):
        model = scripted([f"This is for {other}; handing over."])

        def run(state) -> Command:
            reply = model.invoke(state["messages"][-3:])
            reply.name = name
            return Command(goto=other, update={"messages": [reply]})
        run.__name__ = name
        return run

    graph = StateGraph(State)
    graph.add_node("triage", agent("triage", "refunds"), destinations=("refunds",))
    graph.add_node("refunds", agent("refunds", "triage"), destinations=("triage",))
    graph.add_edge(START, "triage")
    return graph, "I want a refund for order 42", 6


def repeated_tool_call():
    @tool
    def search(query: str) -> str:
        """Search the web."""
        return "no results"

    call = AIMessage(content="", usage_metadata=USAGE, tool_calls=[
        {"name": "search", "args": {"query": "latest GDP of France"}, "id": "call_search"}])
    model = scripted([call] * 5 + ["I could not find the figure."])

    def tools(state):
        last = state["messages"][-1]
        return {"messages": [ToolMessage(content=search.invoke(c["args"]), name=c["name"],
                                         tool_call_id=c["id"]) for c in last.tool_calls]}

    def route(state, reply):
        return "tools" if reply.tool_calls else "end"

    graph = StateGraph(State)
    graph.add_node("researcher", node("researcher", model, route=route))
    graph.add_node("tools", tools)
    graph.add_edge(START, "researcher")
    graph.add_conditional_edges("researcher", lambda s: s["route"],
                                {"tools": "tools", "end": END})
    graph.add_edge("tools", "researcher")
    return graph, "What is the latest GDP of France?", 25


def supervisor_graph(supervisor_texts, workers):
    """A supervisor that routes to the worker its text names ("-> worker")
    or finishes ("FINAL: ...")."""
    def route(state, reply):
        text = reply.content
        return text.split("-> ", 1)[1].split()[0] if "-> " in text else "end"

    graph = StateGraph(State)
    graph.add_node("supervisor", node("supervisor", scripted(supervisor_texts), route=route))
    targets = {"end": END}
    for name, texts, status in workers:
        graph.add_node(name, node(name, scripted(texts), status=status))
        graph.add_edge(name, "supervisor")
        targets[name] = name
    graph.add_edge(START, "supervisor")
    graph.add_conditional_edges("supervisor", lambda s: s["route"], targets)
    return graph


def failed_worker_ignored():
    graph = supervisor_graph(
        ["-> data_worker fetch Q3 sales", "FINAL: Q3 sales grew 12% over Q2."],
        [("data_worker", ["status: failed - database timeout while fetching Q3 sales"],
          "failed")])
    return graph, "How did Q3 sales compare to Q2?", 25


def replan_after_failure():
    graph = supervisor_graph(
        ["-> primary_fetcher get the Q3 report",
         "-> mirror_fetcher the primary store failed; get the Q3 report from mirror-eu",
         "FINAL: Q3 revenue was 4.2M (from the EU mirror)."],
        [("primary_fetcher", ["status: failed - 503 Service Unavailable"], "failed"),
         ("mirror_fetcher", ["status: ok - revenue: 4.2M"], "ok")])
    return graph, "What was Q3 revenue?", 25


def healthy():
    graph = supervisor_graph(
        ["-> billing look up invoice INV-1001", "FINAL: Invoice INV-1001 is paid."],
        [("billing", ["status: ok - invoice INV-1001 is paid"], "ok")])
    return graph, "Is invoice INV-1001 paid?", 25


SCENARIOS = {
    "handoff_ping_pong": handoff_ping_pong,
    "planner_no_convergence": planner_no_convergence,
    "repeated_tool_call": repeated_tool_call,
    "failed_worker_ignored": failed_worker_ignored,
    "replan_after_failure": replan_after_failure,
    "healthy": healthy,
}


def to_json(value):
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def main(out_dir):
    for scenario, build in SCENARIOS.items():
        graph, task, limit = build()
        app = graph.compile()
        collector = RunCollector()
        config = {"recursion_limit": limit, "callbacks": [collector],
                  "configurable": {"thread_id": f"thread-{scenario}"}}
        events = []
        try:
            for event in app.stream({"messages": [("user", task)], "status": "", "route": ""},
                                    config, stream_mode="debug"):
                events.append(event)
            outcome = "finished"
        except GraphRecursionError as error:
            outcome = f"GraphRecursionError: {error}".splitlines()[0]
        target = Path(out_dir) / scenario
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "debug.jsonl", "w") as out:
            for event in events:
                out.write(json.dumps(event, default=to_json, sort_keys=True) + "\n")
        with open(target / "langsmith_runs.jsonl", "w") as out:
            for run in collector.runs:
                out.write(json.dumps(run, default=to_json, sort_keys=True) + "\n")
        print(f"{scenario}: {outcome}, {len(events)} debug events, {len(collector.runs)} runs")


if __name__ == "__main__":
    main(sys.argv[1])
