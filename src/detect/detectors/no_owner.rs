use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};

macro_rules! doc {
    () => {
        "## What it does

Flags a run whose final answer comes from an agent that never received the task. The task is
received by the first agent that makes LLM calls (or, without any, the first agent that speaks
and is not the user), and by each agent it is explicitly handed to or that starts a step of it (a
task, a graph node); taking a turn in a conversation does not give it.

## Why is this bad?

When no single agent both receives the task and returns the result, nobody is accountable for
it: the answer is whatever the last speaker said (checklist P4, ownership).

## Example

```text
user:      Find and book the cheapest flight
planner:   ... (receives the task)
searcher:  ...
booker:    Booked flight UA 123.   <- final answer, never handed the task
```

## Not flagged

- Handoff designs where the task is handed to the agent that answers.
- Runs stopped by a loop guard, runs with no final answer, runs with one agent.

## Options

None.

## Mapping

Checklist P4 (ownership)."
    };
}

#[doc = doc!()]
pub struct NoOwner;

impl Detector for NoOwner {
    fn name(&self) -> &'static str {
        "no-owner"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P4"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Info
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let Some(answer) = trace.final_answer() else {
            return Vec::new();
        };
        let deciders = trace.llm_agents();
        let first_owner = trace
            .rows
            .iter()
            .find(|r| r.agent.is_some_and(|a| deciders.contains(a)))
            .or_else(|| {
                trace
                    .rows
                    .iter()
                    .find(|r| r.agent.is_some() && r.role != Some(Role::User))
            });
        let Some(first_owner) = first_owner else {
            return Vec::new();
        };
        // Every agent the task was given to: the first, and each one handed
        // the task or started on a step of it.
        let mut receivers: Vec<(&str, &Row)> =
            vec![(first_owner.agent.unwrap_or_default(), first_owner)];
        for row in trace.rows.iter().filter(|r| r.seq < answer.seq) {
            let given_to = match row.kind {
                Kind::Handoff => row.handoff_to,
                Kind::Step => row.agent,
                _ => None,
            };
            if let Some(to) = given_to {
                receivers.push((to, row));
            }
        }
        let answerer = answer.agent.unwrap_or_default();
        let agents: std::collections::BTreeSet<&str> =
            trace.rows.iter().filter_map(|r| r.agent).collect();
        if receivers.iter().any(|(a, _)| *a == answerer) || agents.len() < 2 {
            return Vec::new();
        }
        let (owner, assignment) = receivers[receivers.len() - 1];
        let message = format!(
            "{answerer} gave the final answer but the task was {owner}'s: give the task one owner that receives it and returns the result"
        );
        vec![FindingBuilder::new(self, trace)
            .evidence([assignment, answer])
            .agents([owner, answerer])
            .confidence(0.6)
            .build(message)]
    }
}
