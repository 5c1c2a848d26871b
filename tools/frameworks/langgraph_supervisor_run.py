"""Runs a langgraph-supervisor multi-agent graph offline, with scripted chat
models, and records the run two ways at once (as langgraph_runs.py does):

- debug_subgraphs.jsonl: `graph.stream(..., stream_mode="debug", subgraphs=True)`, one
  stream item per line; with subgraphs=True an item is the pair
  (namespace, event), written as the JSON array [namespace, event], where
  namespace is [] for the top graph and e.g. ["research_expert:<task id>"]
  inside a worker (no checkpointer, as in langgraph_runs.py: so task and
  task_result events only, no checkpoint events);
- langsmith_runs.jsonl: the LangChain run tree of the same run, one run per
  line, from the same `RunCollector` (a BaseTracer) as langgraph_runs.py.

The graph: `langgraph_supervisor.create_supervisor` over two
`create_react_agent` workers, research_expert (tool web_search) and
math_expert (tool add); supervisor and workers each have their own scripted
chat model (100 input / 4 output tokens per call).

Usage: python langgraph_supervisor_run.py OUT_DIR
"""

import json
import sys
import warnings
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.prebuilt import create_react_agent
from langgraph_supervisor import create_supervisor

from langgraph_runs import RunCollector, to_json

USAGE = {"input_tokens": 100, "output_tokens": 4, "total_tokens": 104}
TASK = "What is the combined headcount of the FAANG companies in 2024, plus 1 + 2?"
FINAL = "FAANG employed about 1.9 million people in 2024; 1 + 2 = 3."


class ScriptedChatModel(GenericFakeChatModel):
    """GenericFakeChatModel that accepts tools (create_react_agent and
    create_supervisor bind them); answers come from the script regardless."""

    def bind_tools(self, tools, *, tool_choice=None, parallel_tool_calls=None, **kwargs):
        formatted = [convert_to_openai_tool(t) for t in tools]
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)


def call(name, args, call_id):
    return AIMessage(content="", usage_metadata=USAGE,
                     tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


def scripted(items):
    def messages():
        for item in items:
            if isinstance(item, AIMessage):
                yield item.model_copy()
            else:
                yield AIMessage(content=item, usage_metadata=USAGE)
    return ScriptedChatModel(messages=messages())


@tool
def web_search(query: str) -> str:
    """Search the web for information."""
    return "FAANG employed about 1.9 million people in 2024."


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def build():
    research = create_react_agent(
        model=scripted([
            call("web_search", {"query": "FAANG headcount 2024"}, "call_search_1"),
            "FAANG employed about 1.9 million people in 2024.",
        ]),
        tools=[web_search], name="research_expert",
        prompt="You are a world class researcher with access to web search.")
    math = create_react_agent(
        model=scripted([
            call("add", {"a": 1, "b": 2}, "call_add_1"),
            "1 + 2 = 3.",
        ]),
        tools=[add], name="math_expert",
        prompt="You are a math expert. Always use one tool at a time.")
    supervisor = create_supervisor(
        [research, math],
        model=scripted([
            call("transfer_to_research_expert", {}, "call_transfer_1"),
            call("transfer_to_math_expert", {}, "call_transfer_2"),
            FINAL,
        ]),
        prompt="You are a team supervisor managing a research expert and a math expert.")
    return supervisor


def main(out_dir):
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    app = build().compile()
    collector = RunCollector()
    config = {"recursion_limit": 25, "callbacks": [collector],
              "configurable": {"thread_id": "thread-supervisor-healthy"}}
    items = list(app.stream({"messages": [("user", TASK)]}, config,
                            stream_mode="debug", subgraphs=True))
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "debug_subgraphs.jsonl", "w") as out:
        for namespace, event in items:
            out.write(json.dumps([list(namespace), event], default=to_json, sort_keys=True) + "\n")
    with open(target / "langsmith_runs.jsonl", "w") as out:
        for run in collector.runs:
            out.write(json.dumps(run, default=to_json, sort_keys=True) + "\n")
    print(f"{len(items)} debug events, {len(collector.runs)} runs")


if __name__ == "__main__":
    main(sys.argv[1])
