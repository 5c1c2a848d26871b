use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Severity, TraceView};

macro_rules! doc {
    () => {
        "## What it does

Flags a trace that makes more handoffs than the hop cap. Handoffs are counted as `handoff-cycle`
counts them: the explicit handoff records, or, in a conversation without any, the turns passed
between agents that make LLM calls.

## Why is this bad?

Production multi-agent systems cap how often a task may change hands; without a cap a
misrouted task travels until a turn limit or the budget runs out (checklist P2, hop cap).

## Example

```text
router -> billing -> router -> refunds -> router -> ...   (13th handoff)
```

## Not flagged

- Traces within the cap; turns with user proxies, tools nodes or people.
- The turns of a framework's fixed pipeline (ChatDev's phases, known by the framework's own
  messages, `taxonomy/boilerplate.toml`): the framework schedules them, no agent hands the task
  on. Explicit handoffs are counted all the same.

## Options

- `max_hops` (12).

## Mapping

Checklist P2 (hop cap)."
    };
}

#[doc = doc!()]
pub struct HopLimitExceeded;

impl Detector for HopLimitExceeded {
    fn name(&self) -> &'static str {
        "hop-limit-exceeded"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P2"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let max_hops = trace.options.hop_limit.max_hops;
        let (hops, explicit) = trace.hops();
        if hops.len() <= max_hops
            || (!explicit && crate::detect::boilerplate::scheduled_by_framework(&trace.rows))
        {
            return Vec::new();
        }
        let over = hops[max_hops].0;
        let last = hops[hops.len() - 1].0;
        let what = if explicit {
            "handoffs"
        } else {
            "turns between agents"
        };
        let message = format!(
            "{} {what} where the cap is {max_hops}: set a hop cap that stops or escalates the run",
            hops.len()
        );
        vec![FindingBuilder::new(self, trace)
            .evidence(hops.iter().skip(max_hops).map(|(row, _, _)| *row))
            .metric("hops", hops.len() as f64)
            .metric("max_hops", max_hops as f64)
            .waste(over.seq..=last.seq)
            .build(message)]
    }
}
