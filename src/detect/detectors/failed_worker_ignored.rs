use regex::Regex;
use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;

use crate::detect::trace::{status_envelope, Envelope};
use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};
use crate::text::{quote, Quoted};

macro_rules! doc {
    () => {
        "## What it does

Flags a run whose final answer follows a failure that nobody acted on. A failure is a tool call,
agent or worker message with error status, a tool result that reports a hard failure in words
(`Error: ...`, a traceback, an HTTP error: the `failure` column, `taxonomy/failures.toml`) whatever
its status, or a worker output whose status envelope says `failed` or `partial`. It is acted on when, between it and the final answer, something is tried
again or instead and works — a successful tool call, a successful later attempt of the same kind
by the same agent (the next step of an agent loop) — or the task is delegated to an agent other
than the one that answers, or the final answer says the work failed (could not, unable, failed,
error, unavailable).

## Why is this bad?

The orchestrator presents an answer built on a result that never came: the user gets a confident
wrong answer, the most expensive failure there is (MAST 3.1–3.3 task verification; checklist P5
typed status envelopes, P6 re-plan versus retry).

## Example

```text
data_worker -> fetch_sales {\"quarter\": \"Q3\"}   error: database timeout after 30s
data_worker:   status: failed - could not fetch Q3 sales
orchestrator:  Q3 sales grew 12% over Q2.          <- final answer, failure ignored
```

## Not flagged

- A failure followed by a retry or another approach (a re-plan), an escalation, or a delegation.
- A final answer that reports the failure.
- Runs stopped by a loop guard (`turn-limit-hit` reports those) and runs with no final answer.

## Options

None.

## Mapping

MAST 3.x (task verification); checklist P5, P6."
    };
}

#[doc = doc!()]
pub struct FailedWorkerIgnored;

static ACKNOWLEDGED: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)\b(could ?n[o']t|cannot|can't|unable|fail(ed|ure|s)?|errors?|unavailable|not available|timed? ?out|did not succeed)\b",
    )
});

fn is_failure(row: &Row) -> bool {
    // A provider's failure (rate limit, 5xx) is `provider-error`'s, which
    // also says whether a later call went through.
    let failed_status = row.failed()
        && row.failed_hard()
        && matches!(
            row.kind,
            Kind::ToolCall | Kind::AgentInvoke | Kind::Message | Kind::LlmCall | Kind::Step
        );
    let failed_envelope = row.has_output()
        && row.role != Some(Role::User)
        && row
            .output
            .and_then(status_envelope)
            .is_some_and(|e| matches!(e, Envelope::Failed | Envelope::Partial));
    // A tool's result that reports a hard failure in words (`Error: ...`,
    // a traceback) although its status says nothing.
    let failed_result =
        row.failed_hard() && (row.kind == Kind::ToolCall || row.role == Some(Role::Tool));
    failed_status || failed_envelope || failed_result
}

impl Detector for FailedWorkerIgnored {
    fn name(&self) -> &'static str {
        "failed-worker-ignored"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("3.1"),
            checklist: Some("P5"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let Some(answer) = trace.final_answer() else {
            return Vec::new();
        };
        if answer.output.is_some_and(|o| ACKNOWLEDGED.is_match(o)) {
            return Vec::new();
        }
        let answerer = answer.agent;
        // A failure is acted on by a later successful tool call (another
        // approach, or a retry that worked), a later successful attempt of
        // the same kind by the same agent (the next step of an agent loop),
        // or a delegation to someone other than the answerer. Both are
        // known for every row in one backward pass: linear in the trace.
        let before: Vec<&Row> = trace.rows.iter().filter(|r| r.seq < answer.seq).collect();
        let mut resolved_later = vec![false; before.len()];
        let mut seen = false;
        for (i, r) in before.iter().enumerate().rev() {
            resolved_later[i] = seen;
            let delegates = match r.handoff_to {
                Some(to) => Some(to) != answerer,
                None => r.kind == Kind::Handoff,
            };
            seen |= delegates || (!is_failure(r) && r.kind == Kind::ToolCall);
        }
        let mut last_success: HashMap<(Kind, Option<&str>), u32> = HashMap::default();
        for r in &before {
            if !is_failure(r) && r.kind != Kind::Message && r.kind != Kind::LlmCall {
                last_success.insert((r.kind, r.agent), r.seq);
            }
        }
        let unresolved: Vec<&Row> = before
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                let retried = last_success
                    .get(&(r.kind, r.agent))
                    .is_some_and(|&seq| seq > r.seq);
                is_failure(r) && !resolved_later[*i] && !retried
            })
            .map(|(_, r)| *r)
            .collect();
        if unresolved.is_empty() {
            return Vec::new();
        }
        let first = unresolved[0];
        let who = first.agent.unwrap_or("a worker");
        let what = first
            .error_message
            .or(first.output)
            .map(|m| format!(" (\"{}\")", quote(m, 80, Quoted::Error)))
            .unwrap_or_default();
        let message = format!(
            "{who} failed{what} and {} gave a final answer anyway, with no retry, re-plan or escalation: check each worker's status before answering",
            answerer.unwrap_or("the run")
        );
        vec![FindingBuilder::new(self, trace)
            .evidence(unresolved.iter().copied().chain([answer]))
            .metric("failures", unresolved.len() as f64)
            .waste(first.seq..=answer.seq)
            .confidence(if first.failed() { 0.9 } else { 0.7 })
            .build(message)]
    }
}
