"""Runs CrewAI crews offline, with a scripted LLM, and keeps the log files
CrewAI writes itself with `Crew(output_log_file=...)`: logs.txt (one line per
task start and completion, `YYYY-mm-dd HH:MM:SS: key="value", ...`) and
logs.json (the same entries as a JSON array), for the same kind of run.

Usage: python crewai_logs.py OUT_DIR
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")

from crewai import Agent, Crew, Process, Task  # noqa: E402
from crewai.llms.base_llm import BaseLLM  # noqa: E402

from plans import plan  # noqa: E402


class ScriptedLLM(BaseLLM):
    """Answers each call with the next scripted text (the last repeats)."""

    script: list = []
    calls: int = 0

    def call(self, messages, tools=None, callbacks=None, available_functions=None,
             from_task=None, from_agent=None, response_model=None):
        text = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        return text

    def supports_function_calling(self):
        return False

    def get_context_window_size(self):
        return 8192


def llm(*texts):
    return ScriptedLLM(model="scripted-model", script=list(texts))


def healthy():
    researcher = Agent(role="researcher", goal="Find facts", backstory="A careful researcher.",
                       llm=llm("Thought: I know this.\nFinal Answer: Invoice INV-1001 was paid on 3 March."),
                       allow_delegation=False)
    writer = Agent(role="writer", goal="Write answers", backstory="A clear writer.",
                   llm=llm("Thought: I can write it.\nFinal Answer: Yes - invoice INV-1001 is paid."),
                   allow_delegation=False)
    tasks = [Task(name="research", description="Find whether invoice INV-1001 is paid.",
                  expected_output="The payment status", agent=researcher),
             Task(name="answer", description="Answer the customer.",
                  expected_output="A one-line answer", agent=writer)]
    return Crew(agents=[researcher, writer], tasks=tasks, process=Process.sequential)


def planner_no_convergence():
    planner = Agent(role="planner", goal="Plan", backstory="Plans posts.",
                    llm=llm(*[f"Thought: a plan.\nFinal Answer: {plan(n)}" for n in range(1, 4)]),
                    allow_delegation=False)
    critic = Agent(role="critic", goal="Review", backstory="Reviews plans.",
                   llm=llm("Thought: not yet.\nFinal Answer: Needs revision: the order of steps is still unclear."),
                   allow_delegation=False)
    tasks = []
    for n in range(1, 4):
        tasks.append(Task(name=f"plan_{n}", description=f"Write plan version {n}.",
                          expected_output="A plan", agent=planner))
        tasks.append(Task(name=f"review_{n}", description=f"Review plan version {n}.",
                          expected_output="A verdict", agent=critic))
    return Crew(agents=[planner, critic], tasks=tasks, process=Process.sequential)


SCENARIOS = {"healthy": healthy, "planner_no_convergence": planner_no_convergence}


def main(out_dir):
    for scenario, build in SCENARIOS.items():
        target = Path(out_dir) / scenario
        target.mkdir(parents=True, exist_ok=True)
        for name in ("logs.txt", "logs.json"):
            path = target / name
            if path.exists():
                path.unlink()
            crew = build()
            crew.output_log_file = str(path)
            result = crew.kickoff()
            print(f"{scenario} {name}: {result.raw!r}")


if __name__ == "__main__":
    main(sys.argv[1])
