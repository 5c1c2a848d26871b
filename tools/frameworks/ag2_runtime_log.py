"""Runs AG2 (0.9, the `autogen` package) chats offline and records them
with AG2's own runtime logging to a file (`autogen.runtime_logging.start(
logger_type="file")`): runtime.log, a first line of plain text and then one
JSON object per line (chat completions whose `response` is the Python repr
of the OpenAI ChatCompletion, agents, events, function uses).

With `--logger sqlite` the same chats are recorded instead with AG2's
default logger (`logger_type="sqlite"`) into logs.db: tables
chat_completions (`response` as JSON), agents, events, function_calls,
oai_clients, oai_wrappers and version. AG2 has one logger at a time, so
each logger is a run of its own; the scripted model makes them the same.

The model is the real OpenAI client talking to a scripted OpenAI-compatible
server on localhost, so the logged responses are genuine `ChatCompletion`
objects. Each agent's script is chosen by the agent name in its system
message.

Usage: python ag2_runtime_log.py [--logger file|sqlite] OUT_DIR
"""

import json
import os
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import autogen
from autogen import AssistantAgent, GroupChat, GroupChatManager, UserProxyAgent, runtime_logging

from plans import plan

SCRIPTS = {}
CALLS = {}


def reply(agent, step):
    """The completion for the agent's next call: text, or a tool call."""
    if step[0] == "say":
        message = {"role": "assistant", "content": step[1]}
        finish = "stop"
    else:
        n = CALLS.get(agent, 0)
        message = {"role": "assistant", "content": None, "tool_calls": [{
            "id": f"call_{agent}_{n}", "type": "function",
            "function": {"name": step[1], "arguments": json.dumps(step[2])}}]}
        finish = "tool_calls"
    return {"id": f"chatcmpl-{agent}-{CALLS.get(agent, 0)}", "object": "chat.completion",
            "created": 1795000000, "model": "scripted-model",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 90, "completion_tokens": 25, "total_tokens": 115}}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        system = body["messages"][0].get("content") or ""
        agent = next(name for name in SCRIPTS if f"You are {name}." in system)
        steps = SCRIPTS[agent]
        n = CALLS.get(agent, 0)
        payload = json.dumps(reply(agent, steps[min(n, len(steps) - 1)])).encode()
        CALLS[agent] = n + 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def llm_config(port):
    return {"config_list": [{"model": "scripted-model", "api_key": "sk-offline",
                             "base_url": f"http://127.0.0.1:{port}/v1"}],
            "cache_seed": None}


def planner_no_convergence(config):
    SCRIPTS["planner"] = [("say", plan(n)) for n in range(1, 30)]
    SCRIPTS["critic"] = [("say", "Needs revision: the order of steps is still unclear.")]
    planner = AssistantAgent("planner", system_message="You are planner.", llm_config=config)
    critic = AssistantAgent("critic", system_message="You are critic.", llm_config=config)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
    chat = GroupChat([user, planner, critic], messages=[], max_round=8,
                     speaker_selection_method="round_robin")
    manager = GroupChatManager(chat, llm_config=False)
    user.initiate_chat(manager, message="Plan the launch blog post")


def repeated_tool_call(config):
    SCRIPTS["researcher"] = [("call", "search", {"query": "latest GDP of France"})] * 5 + [
        ("say", "I could not find the figure. TERMINATE")]
    researcher = AssistantAgent("researcher", system_message="You are researcher.",
                                llm_config=config)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False,
                          is_termination_msg=lambda m: "TERMINATE" in (m.get("content") or ""))

    def search(query: str) -> str:
        return "no results"

    autogen.register_function(search, caller=researcher, executor=user,
                              description="Search the web.")
    user.initiate_chat(researcher, message="What is the latest GDP of France?", max_turns=10)


def healthy(config):
    SCRIPTS["billing"] = [("call", "lookup_invoice", {"invoice_id": "INV-1001"}),
                          ("say", "Invoice INV-1001 is paid. TERMINATE")]
    billing = AssistantAgent("billing", system_message="You are billing.", llm_config=config)
    user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False,
                          is_termination_msg=lambda m: "TERMINATE" in (m.get("content") or ""))

    def lookup_invoice(invoice_id: str) -> str:
        return "status: paid"

    autogen.register_function(lookup_invoice, caller=billing, executor=user,
                              description="Look up an invoice.")
    user.initiate_chat(billing, message="Is invoice INV-1001 paid?", max_turns=5)


SCENARIOS = {
    "planner_no_convergence": planner_no_convergence,
    "repeated_tool_call": repeated_tool_call,
    "healthy": healthy,
}


def main(out_dir, logger_type="file"):
    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = llm_config(server.server_port)
    for scenario, run in SCENARIOS.items():
        SCRIPTS.clear()
        CALLS.clear()
        target = Path(out_dir) / scenario
        target.mkdir(parents=True, exist_ok=True)
        if logger_type == "sqlite":
            log = target / "logs.db"
            logger_config = {"dbname": str(log)}
        else:
            log = target / "runtime.log"
            logger_config = {"filename": str(log)}
        if log.exists():
            log.unlink()
        runtime_logging.start(logger_type=logger_type, config=logger_config)
        run(config)
        runtime_logging.stop()
        if logger_type == "sqlite":
            con = sqlite3.connect(log)
            con.execute("PRAGMA page_size = 1024")  # small pages: these databases are tiny
            con.execute("VACUUM")
            rows = sum(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                       for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
            con.close()
            print(f"{scenario}: {rows} rows")
        else:
            print(f"{scenario}: {sum(1 for _ in open(log))} log lines")
    server.shutdown()


if __name__ == "__main__":
    if sys.argv[1] == "--logger":
        main(sys.argv[3], sys.argv[2])
    else:
        main(sys.argv[1])
