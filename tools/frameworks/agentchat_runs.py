"""Runs AutoGen AgentChat teams offline, with ReplayChatCompletionClient
scripts, over the fixture scenarios, and records each run as users save
it: task_result.json, the team's TaskResult as
`{"messages": [m.model_dump() ...], "stop_reason": ...}`.

(The runtime's own OpenTelemetry spans were tried as a second export: in
autogen-core 0.7.5 they record message passing between topics — create,
publish, process — with no agent, tool or token attributes, one trace per
message, so they say nothing of the facts compared here.)

Usage: python agentchat_runs.py OUT_DIR
"""

import asyncio
import json
import sys
from pathlib import Path

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from autogen_agentchat.teams import RoundRobinGroupChat, Swarm
from autogen_core import FunctionCall
from autogen_core.models import CreateResult, RequestUsage
from autogen_ext.models.replay import ReplayChatCompletionClient

from plans import plan

MODEL_INFO = {"vision": False, "function_calling": True, "json_output": False,
              "family": "unknown", "structured_output": False}


def say(text):
    return CreateResult(finish_reason="stop", content=text, cached=False,
                        usage=RequestUsage(prompt_tokens=80, completion_tokens=15))


def call(name, args, n):
    return CreateResult(finish_reason="function_calls", cached=False,
                        content=[FunctionCall(id=f"call_{name}_{n}", name=name,
                                              arguments=json.dumps(args))],
                        usage=RequestUsage(prompt_tokens=80, completion_tokens=15))


def client(script):
    return ReplayChatCompletionClient(script, model_info=MODEL_INFO)


def search(query: str) -> str:
    """Search the web."""
    return "no results"


def fetch_sales(quarter: str) -> str:
    """Fetch sales figures for a quarter."""
    raise RuntimeError("database timeout after 30s")


def fetch_primary(report: str) -> str:
    """Fetch a report from the primary store."""
    raise RuntimeError("503 Service Unavailable")


def fetch_mirror(report: str, source: str) -> str:
    """Fetch a report from a mirror."""
    return "revenue: 4.2M"


def lookup_invoice(invoice_id: str) -> str:
    """Look up an invoice."""
    return "status: paid"


def handoff_ping_pong():
    triage = AssistantAgent("triage", client([call("transfer_to_refunds", {}, n) for n in range(10)]),
                            handoffs=["refunds"])
    refunds = AssistantAgent("refunds", client([call("transfer_to_triage", {}, n) for n in range(10)]),
                             handoffs=["triage"])
    team = Swarm([triage, refunds], max_turns=6)
    return team, "I want a refund for order 42"


def repeated_tool_call():
    script = [call("search", {"query": "latest GDP of France"}, n) for n in range(5)]
    researcher = AssistantAgent("researcher", client(script + [say("I could not find the figure. TERMINATE")]),
                                tools=[search], max_tool_iterations=10)
    team = RoundRobinGroupChat([researcher], termination_condition=TextMentionTermination("TERMINATE"))
    return team, "What is the latest GDP of France?"


def failed_worker_ignored():
    orchestrator = AssistantAgent("orchestrator", client([
        say("data_worker: please fetch the Q3 sales figures."),
        say("Q3 sales grew 12% over Q2. TERMINATE")]))
    worker = AssistantAgent("data_worker", client([call("fetch_sales", {"quarter": "Q3"}, 1)]),
                            tools=[fetch_sales])
    team = RoundRobinGroupChat([orchestrator, worker],
                               termination_condition=TextMentionTermination("TERMINATE"))
    return team, "How did Q3 sales compare to Q2?"


def planner_no_convergence():
    planner = AssistantAgent("planner", client([say(plan(n)) for n in range(1, 20)]))
    critic = AssistantAgent("critic", client(
        [say("Needs revision: the order of steps is still unclear.")] * 20))
    team = RoundRobinGroupChat([planner, critic], max_turns=8)
    return team, "Plan the launch blog post"


def replan_after_failure():
    orchestrator = AssistantAgent("orchestrator", client([
        call("fetch_primary", {"report": "q3"}, 1),
        call("fetch_mirror", {"report": "q3", "source": "mirror-eu"}, 2),
        say("Q3 revenue was 4.2M (read from the EU mirror after the primary store failed). TERMINATE"),
    ]), tools=[fetch_primary, fetch_mirror], max_tool_iterations=5)
    team = RoundRobinGroupChat([orchestrator], termination_condition=TextMentionTermination("TERMINATE"))
    return team, "What was Q3 revenue?"


def healthy():
    triage = AssistantAgent("triage", client([call("transfer_to_billing", {}, 1)]),
                            handoffs=["billing"])
    billing = AssistantAgent("billing", client([
        call("lookup_invoice", {"invoice_id": "INV-1001"}, 1),
        say("Invoice INV-1001 is paid. TERMINATE")]), tools=[lookup_invoice],
        max_tool_iterations=3)
    team = Swarm([triage, billing],
                 termination_condition=TextMentionTermination("TERMINATE") | MaxMessageTermination(20))
    return team, "Is invoice INV-1001 paid?"


SCENARIOS = {
    "handoff_ping_pong": handoff_ping_pong,
    "repeated_tool_call": repeated_tool_call,
    "failed_worker_ignored": failed_worker_ignored,
    "planner_no_convergence": planner_no_convergence,
    "replan_after_failure": replan_after_failure,
    "healthy": healthy,
}


async def run(scenario, build, out_dir):
    team, task = build()
    result = await team.run(task=task)
    target = Path(out_dir) / scenario
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "task_result.json", "w") as out:
        json.dump({"messages": [m.model_dump(mode="json") for m in result.messages],
                   "stop_reason": result.stop_reason}, out, indent=1, sort_keys=True)
    print(f"{scenario}: {len(result.messages)} messages, stop_reason={result.stop_reason!r}")


def main(out_dir):
    for scenario, build in SCENARIOS.items():
        asyncio.run(run(scenario, build, out_dir))


if __name__ == "__main__":
    main(sys.argv[1])
