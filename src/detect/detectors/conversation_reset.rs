use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};

macro_rules! doc {
    () => {
        "## What it does

Flags a conversation that starts over: the opening message (the task statement) is sent again
later in the trace, word for word (whitespace aside), by anyone.

## Why is this bad?

Restating the task mid-run means the history was lost or thrown away: the agents redo work and
forget what was settled (MAST 2.1 conversation reset).

## Example

```text
user:          Plan the launch blog post
planner:       ...
critic:        ...
user_proxy:    Plan the launch blog post       <- the task again
```

## Not flagged

- Other repeated messages (`repeated-identical-output` judges loops).
- Span traces without messages.

## Options

None.

## Mapping

MAST 2.1 (conversation reset)."
    };
}

#[doc = doc!()]
pub struct ConversationReset;

impl Detector for ConversationReset {
    fn name(&self) -> &'static str {
        "conversation-reset"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("2.1"),
            checklist: None,
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let messages: Vec<&Row> = trace
            .rows
            .iter()
            .filter(|r| r.kind == Kind::Message && r.has_output() && r.role != Some(Role::Tool))
            .collect();
        let Some(task) = messages.first() else {
            return Vec::new();
        };
        let restated: Vec<&Row> = messages[1..]
            .iter()
            .copied()
            .filter(|r| r.output_hash == task.output_hash)
            .collect();
        let Some(first) = restated.first() else {
            return Vec::new();
        };
        let message = format!(
            "the task statement was sent again by {} at step {}: the conversation started over; keep the history, or summarize it instead of restarting",
            first.agent.unwrap_or("someone"),
            first.step.map_or(first.seq as i64, |s| s)
        );
        let last = trace.rows.last().map_or(first.seq, |r| r.seq);
        vec![FindingBuilder::new(self, trace)
            .evidence(std::iter::once(*task).chain(restated.iter().copied()))
            .metric("restarts", restated.len() as f64)
            .waste(first.seq..=last)
            .confidence(0.8)
            .build(message)]
    }
}
