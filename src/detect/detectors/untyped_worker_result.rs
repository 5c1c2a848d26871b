use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;

use crate::detect::trace::status_envelope;
use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Reports, per worker, how many of its results carried no status envelope (`status: ok | failed |
partial`, as text or a JSON field). A worker is an agent that returns results to another agent
that makes LLM calls: an agent called as a tool (the tool call's result), or an agent that was
delegated to and hands back to the agent that delegated (its last output before handing back).

## Why is this bad?

Without a typed status the orchestrator must guess from prose whether the work succeeded, and
guesses wrong: failed work gets reported as done (checklist P5, typed status envelopes).

## Example

```text
orchestrator -> data_worker: fetch the Q3 figures
data_worker:    The database timed out.            <- no status field
```

## Not flagged

- Results with an envelope; answers to a user or a user proxy (not an agent that decides).
- Runs of a framework's fixed pipeline (ChatDev's phases, `taxonomy/boilerplate.toml`): its
  agents' results are untyped by the framework's design, in every run; judged per trace, that
  is one finding per run for a single decision.

## Options

None.

## Mapping

Checklist P5 (typed status envelopes)."
    };
}

#[doc = doc!()]
pub struct UntypedWorkerResult;

impl Detector for UntypedWorkerResult {
    fn name(&self) -> &'static str {
        "untyped-worker-result"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P5"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Info
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let deciders = trace.llm_agents();
        let agents: HashSet<&str> = trace.rows.iter().filter_map(|r| r.agent).collect();
        // worker -> its results
        let mut results: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for row in &trace.rows {
            // An agent called as a tool by an agent that decides.
            if row.kind == Kind::ToolCall && row.has_output() {
                if let (Some(tool), Some(caller)) = (row.tool_name, row.agent) {
                    if agents.contains(tool) && tool != caller && deciders.contains(caller) {
                        results.entry(tool).or_default().push(row);
                    }
                }
            }
        }
        // Delegations handed back: A -> W, then W -> A.
        let mut delegated_by: BTreeMap<&str, &str> = BTreeMap::new();
        for row in &trace.rows {
            // A handoff record transfers the task; only a turn that comes
            // back is a delegation returned.
            if row.kind == Kind::Handoff {
                continue;
            }
            let (Some(from), Some(to)) = (row.handoff_from, row.handoff_to) else {
                continue;
            };
            if delegated_by.get(from) == Some(&to)
                && deciders.contains(to)
                && deciders.contains(from)
            {
                let result = trace.rows[..row.seq as usize].iter().rev().find(|r| {
                    r.agent == Some(from)
                        && r.has_output()
                        && matches!(r.kind, Kind::LlmCall | Kind::Message)
                });
                if let Some(result) = result {
                    results.entry(from).or_default().push(result);
                }
                delegated_by.remove(from);
            } else {
                delegated_by.insert(to, from);
            }
        }
        if !results.is_empty() && crate::detect::boilerplate::scheduled_by_framework(&trace.rows) {
            return Vec::new();
        }
        results
            .into_iter()
            .filter_map(|(worker, rows)| {
                let untyped: Vec<&Row> = rows
                    .iter()
                    .copied()
                    .filter(|r| r.output.and_then(status_envelope).is_none())
                    .collect();
                if untyped.is_empty() {
                    return None;
                }
                let message = format!(
                    "{worker} returned {} of {} results without a status envelope: have workers return a typed status (ok, failed, partial) with their result",
                    untyped.len(),
                    rows.len()
                );
                Some(
                    FindingBuilder::new(self, trace)
                        .evidence(untyped.iter().copied())
                        .agents([worker])
                        .metric("results", rows.len() as f64)
                        .metric("untyped", untyped.len() as f64)
                        .metric("untyped_rate", untyped.len() as f64 / rows.len() as f64)
                        .build(message),
                )
            })
            .collect()
    }
}
