"""Runs a smolagents ToolCallingAgent offline, with a scripted model (a
`smolagents.Model` subclass), and records the agent's memory as smolagents
itself gives it:

- memory_steps.json: `agent.memory.get_full_steps()` (TaskStep and ActionStep
  dicts, with model_input_messages), `json.dumps(..., default=str, indent=1)`;
- memory_succinct.json: `agent.memory.get_succinct_steps()` (the same, without
  model_input_messages).

Scenarios (agent `researcher`, tool `web_search(query)`, max_steps=5):

- max_steps: the model calls `web_search {"query": "ACME closing price last
  Friday"}` every time and the tool finds nothing; the run ends on max steps
  (smolagents then asks the model once more for a final answer, without
  tools, and records a last ActionStep with AgentMaxStepsError, that call's
  token usage, and the answer's text content, here None, as action_output).
- healthy: one web_search that finds the price, then `final_answer`.

Model call n (1-based) reports 1500 + 100*n input and 35 output tokens.
The agent's system prompt is replaced by a two-line one (the other prompt
templates are smolagents' defaults): model_input_messages repeats it at every
step, and the default one (about 5 KB) would make memory_steps.json ~30 KB.

Usage: python smolagents_memory.py OUT_DIR   (needs smolagents; see the fixtures README)
"""

import importlib.resources
import json
import sys
from pathlib import Path

import yaml
from smolagents import ToolCallingAgent, tool
from smolagents.models import (
    ChatMessage,
    ChatMessageToolCall,
    ChatMessageToolCallFunction,
    MessageRole,
    Model,
)
from smolagents.monitoring import LogLevel, TokenUsage

TASK = "What was the closing price of ACME stock last Friday?"
SEARCH = ("web_search", {"query": "ACME closing price last Friday"})


class ScriptedModel(Model):
    """Answers from a script: call n takes step n (the last step repeats).
    Each step is (tool name, arguments): a tool call with no text content."""

    def __init__(self, steps):
        super().__init__(model_id="scripted-researcher")
        self.steps = list(steps)
        self.calls = 0

    def generate(self, messages, stop_sequences=None, response_format=None,
                 tools_to_call_from=None, **kwargs):
        name, arguments = self.steps[min(self.calls, len(self.steps) - 1)]
        self.calls += 1
        n = self.calls
        return ChatMessage(
            role=MessageRole.ASSISTANT,
            content=None,
            tool_calls=[ChatMessageToolCall(
                id=f"call_{n}", type="function",
                function=ChatMessageToolCallFunction(name=name, arguments=arguments))],
            token_usage=TokenUsage(input_tokens=1500 + 100 * n, output_tokens=35),
        )


def search_tool(result):
    @tool
    def web_search(query: str) -> str:
        """Searches the web.

        Args:
            query: The search query.
        """
        return result

    return web_search


def max_steps():
    return search_tool("No results found for query."), [SEARCH]


def healthy():
    return search_tool("ACME closed at 41.20 USD on Friday."), [
        SEARCH, ("final_answer", {"answer": "ACME closed at 41.20 USD."})]


SCENARIOS = {"max_steps": max_steps, "healthy": healthy}

SYSTEM_PROMPT = """You are researcher, an agent that solves tasks with tool calls.
Tools:{%- for tool in tools.values() %} {{ tool.name }}{%- endfor %}. Call final_answer with the answer."""


def prompt_templates():
    """smolagents' own ToolCallingAgent templates, with a short system prompt."""
    text = importlib.resources.files("smolagents.prompts").joinpath("toolcalling_agent.yaml").read_text()
    templates = yaml.safe_load(text)
    templates["system_prompt"] = SYSTEM_PROMPT
    return templates


def main(out_dir):
    for scenario, build in SCENARIOS.items():
        web_search, steps = build()
        agent = ToolCallingAgent(tools=[web_search], model=ScriptedModel(steps), name="researcher",
                                 prompt_templates=prompt_templates(), max_steps=5, verbosity_level=LogLevel.OFF)
        output = agent.run(TASK)
        target = Path(out_dir) / scenario
        target.mkdir(parents=True, exist_ok=True)
        with open(target / "memory_steps.json", "w") as out:
            out.write(json.dumps(agent.memory.get_full_steps(), default=str, indent=1) + "\n")
        with open(target / "memory_succinct.json", "w") as out:
            out.write(json.dumps(agent.memory.get_succinct_steps(), default=str, indent=1) + "\n")
        print(f"{scenario}: {len(agent.memory.steps)} memory steps, "
              f"{agent.model.calls} model calls, final output {output!r}")


if __name__ == "__main__":
    main(sys.argv[1])
