"""Runs AutoGen AgentChat teams offline, with ReplayChatCompletionClient
scripts, over the fixture scenarios, and records each run as users save
it: task_result.json, the team's TaskResult as
`{"messages": [m.model_dump() ...], "stop_reason": ...}`.

(The runtime's own OpenTelemetry spans were tried as a second export: in
autogen-core 0.7.5 they record message passing between topics — create,
publish, process — with no agent, tool or token attributes, one trace per
message, so they say nothing of the facts compared here.)

With `--event-log` the scenarios (all, or those named) are run again and
recorded instead with autogen-core's structured event logger, as its
logging guide says: a handler on `logging.getLogger(EVENT_LOGGER_NAME)` at
INFO, formatted "%(message)s", i.e. one `str(event)` (JSON) per line, into
event_log.jsonl; task_result.json is not written. The replay client logs no
LLMCallEvent, so here each agent's model is the real
`OpenAIChatCompletionClient` talking to a scripted OpenAI-compatible server
on localhost that answers with the same script of `CreateResult`s (one URL
per client), and the LLMCallEvents are exactly as in production.

Usage: python agentchat_runs.py OUT_DIR
       python agentchat_runs.py --event-log OUT_DIR [SCENARIO ...]
"""

import asyncio
import json
import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from autogen_agentchat.teams import RoundRobinGroupChat, Swarm
from autogen_core import EVENT_LOGGER_NAME, FunctionCall
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


# With --event-log: the scripted server's port, and each client's script and
# how far it has got, by the client's number in its base URL.
SERVER = {"port": None, "scripts": [], "steps": []}


def client(script):
    if SERVER["port"] is None:
        return ReplayChatCompletionClient(script, model_info=MODEL_INFO)
    from autogen_ext.models.openai import OpenAIChatCompletionClient

    SERVER["scripts"].append(script)
    SERVER["steps"].append(0)
    n = len(SERVER["scripts"]) - 1
    return OpenAIChatCompletionClient(model="scripted-model", api_key="sk-offline",
                                      base_url=f"http://127.0.0.1:{SERVER['port']}/c{n}/v1",
                                      model_info=MODEL_INFO)


def completion(n, step, result):
    """The script's next CreateResult as an OpenAI chat completion."""
    if isinstance(result.content, str):
        message = {"role": "assistant", "content": result.content}
        finish = "stop"
    else:
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in result.content]}
        finish = "tool_calls"
    usage = result.usage
    return {"id": f"chatcmpl-c{n}-{step}", "object": "chat.completion", "created": 1795000000,
            "model": "scripted-model",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                      "total_tokens": usage.prompt_tokens + usage.completion_tokens}}


class ScriptedModel(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        n = int(self.path.split("/")[1][1:])  # /c<n>/v1/chat/completions
        step = SERVER["steps"][n]
        SERVER["steps"][n] = step + 1
        payload = json.dumps(completion(n, step, SERVER["scripts"][n][step])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


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


async def run_logged(scenario, build, out_dir):
    SERVER["scripts"].clear()
    SERVER["steps"].clear()
    team, task = build()
    target = Path(out_dir) / scenario
    target.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(target / "event_log.jsonl", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    event_logger = logging.getLogger(EVENT_LOGGER_NAME)
    event_logger.addHandler(handler)
    event_logger.setLevel(logging.INFO)
    try:
        result = await team.run(task=task)
    finally:
        event_logger.removeHandler(handler)
        handler.close()
    lines = sum(1 for _ in open(target / "event_log.jsonl"))
    print(f"{scenario}: {len(result.messages)} messages, stop_reason={result.stop_reason!r}, "
          f"{lines} event log lines")


def main_event_log(out_dir, names):
    server = HTTPServer(("127.0.0.1", 0), ScriptedModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SERVER["port"] = server.server_port
    for scenario in names or SCENARIOS:
        asyncio.run(run_logged(scenario, SCENARIOS[scenario], out_dir))
    server.shutdown()


if __name__ == "__main__":
    if sys.argv[1] == "--event-log":
        main_event_log(sys.argv[2], sys.argv[3:])
    else:
        main(sys.argv[1])
