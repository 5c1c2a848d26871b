use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Severity, TraceView};
use crate::event::Kind;
use crate::text::{quote, Quoted};

macro_rules! doc {
    () => {
        "## What it does

Flags a run that ends before its work is done: its last event failed (and no loop guard explains
the stop), or its final answer was given while a tool call or agent it started was still running
(the answer could not have used that result).

## Why is this bad?

The run stops with its task unfinished, or answers without the result it asked for (MAST 3.1
premature termination).

## Example

```text
researcher -> search ...            (started 10:00:01, ended 10:00:09)
orchestrator: Final answer: ...     (at 10:00:04)
```

## Not flagged

- Runs stopped by a framework's loop guard (`turn-limit-hit`).
- Runs that ended on a failure of the model's API (`provider-error`).
- Failures earlier in a run that goes on and ends well (`failed-worker-ignored` judges those).

## Options

None.

## Mapping

MAST 3.1 (premature termination)."
    };
}

#[doc = doc!()]
pub struct PrematureTermination;

impl Detector for PrematureTermination {
    fn name(&self) -> &'static str {
        "premature-termination"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("3.1"),
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
        if trace.guard().is_some() {
            return Vec::new();
        }
        let mut findings = Vec::new();
        // The last event to finish.
        let last = trace
            .rows
            .iter()
            .filter(|r| r.kind != Kind::Termination)
            .max_by_key(|r| (r.end_ns.or(r.start_ns), r.seq));
        // A provider's failure (rate limit, 5xx) is infrastructure:
        // `provider-error` reports it.
        if let Some(last) = last.filter(|r| r.failed() && r.failed_hard()) {
            let why = last
                .error_message
                .map(|m| format!(" (\"{}\")", quote(m, 80, Quoted::Error)))
                .unwrap_or_default();
            let message = format!(
                "the run ended on a failure of {}{why}: nothing handled it; end runs on a result or an explicit escalation",
                if last.name.is_empty() { "its last step" } else { last.name }
            );
            findings.push(
                FindingBuilder::new(self, trace)
                    .evidence([last])
                    .confidence(0.8)
                    .build(message),
            );
        }
        if let Some(answer) = trace.final_answer() {
            let answered_at = answer.end_ns.or(answer.start_ns);
            // The spans that contain the answer end after it, as they must.
            let by_span: rustc_hash::FxHashMap<&str, &crate::detect::Row> =
                trace.rows.iter().map(|r| (r.span_id, r)).collect();
            let mut ancestors = rustc_hash::FxHashSet::default();
            let mut parent = answer.parent_id;
            while let Some(id) = parent.filter(|id| ancestors.insert(*id)) {
                parent = by_span.get(id).and_then(|r| r.parent_id);
            }
            let pending: Vec<_> = trace
                .rows
                .iter()
                .filter(|r| matches!(r.kind, Kind::ToolCall | Kind::AgentInvoke))
                .filter(|r| r.seq < answer.seq && !ancestors.contains(r.span_id))
                .filter(|r| match (r.end_ns, answered_at) {
                    (Some(end), Some(at)) => end > at,
                    _ => false,
                })
                .filter(|r| r.agent != answer.agent || r.kind == Kind::ToolCall)
                .collect();
            if let Some(first) = pending.first() {
                let message = format!(
                    "{} answered before {} finished: the answer cannot use that result; wait for the results an answer depends on",
                    answer.agent.unwrap_or("the run"),
                    if first.name.is_empty() { "a call it started" } else { first.name }
                );
                findings.push(
                    FindingBuilder::new(self, trace)
                        .evidence(pending.iter().copied().chain([answer]))
                        .metric("pending", pending.len() as f64)
                        .confidence(0.7)
                        .build(message),
                );
            }
        }
        findings
    }
}
