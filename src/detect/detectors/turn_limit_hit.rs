use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags a trace that a framework's own loop guard stopped: OpenAI Agents `max_turns`, LangGraph's
recursion limit, smolagents `max_steps`, AG2 `max_round`, CrewAI and LangChain iteration
limits, AutoGen's message and turn limits — read from the error or stop message at ingest
(`termination_reason`).

## Why is this bad?

The guard is the last line of defence: when it fires, the agents did not finish the task, they
ran out of turns, usually in a loop (MAST 1.5 unaware of termination conditions).

## Example

```text
agent span error: {\"message\": \"Max turns exceeded\", \"data\": {\"max_turns\": 10}}
```

## Not flagged

- Runs that ended as designed: a termination condition met (a text mention such as TERMINATE,
  a stop message, a handoff to the user).

## Options

None.

## Mapping

MAST 1.5 (unaware of termination conditions)."
    };
}

#[doc = doc!()]
pub struct TurnLimitHit;

impl Detector for TurnLimitHit {
    fn name(&self) -> &'static str {
        "turn-limit-hit"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.5"),
            checklist: None,
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let Some(guard) = trace.guard() else {
            return Vec::new();
        };
        let rows: Vec<_> = trace
            .rows
            .iter()
            .filter(|r| r.termination_reason == Some(guard))
            .collect();
        let said = rows
            .iter()
            .find_map(|r| r.error_message.or(r.output))
            .map(|m| {
                format!(
                    " (\"{}\")",
                    crate::text::quote(m, 80, crate::text::Quoted::Error)
                )
            })
            .unwrap_or_default();
        // A time limit is used up by slow or looping steps, not by turns.
        let used_up = if guard == "max_time" {
            "find the loop or the slow steps that used the time up"
        } else {
            "find the loop that used the turns up"
        };
        let message = format!(
            "the framework's {guard} guard stopped the run{said}: the agents did not finish; {used_up}"
        );
        let last = trace.rows.last().map_or(0, |r| r.seq);
        // A guard on a span of no agent (the run's root) names the agent
        // whose turn it cut: the one that made the last model call.
        let cut = rows
            .iter()
            .all(|r| r.agent.is_none())
            .then(|| {
                trace
                    .rows
                    .iter()
                    .rev()
                    .find(|r| r.kind == crate::event::Kind::LlmCall && r.agent.is_some())
                    .and_then(|r| r.agent)
            })
            .flatten();
        vec![FindingBuilder::new(self, trace)
            .evidence(rows)
            .agents(cut)
            .metric(
                "llm_calls",
                trace
                    .rows
                    .iter()
                    .filter(|r| r.kind == crate::event::Kind::LlmCall)
                    .count() as f64,
            )
            .waste(0..=last)
            .build(message)]
    }
}
