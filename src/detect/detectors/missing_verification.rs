use regex::Regex;
use std::sync::LazyLock;

use crate::detect::{Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Flags a run that changed something — a tool call that writes, edits, runs code, sends, books or
deletes — and then gave its final answer with no verification step after the last change: no
guardrail, and no tool, agent or step whose name says it tests, checks, validates, reviews or
evaluates.

## Why is this bad?

Unverified changes are how wrong code, wrong bookings and wrong emails reach users; the MAST
study finds missing or incomplete verification among the most frequent failures (MAST 3.2).

## Example

```text
coder   -> write_file {\"path\": \"app.py\", ...}
coder:     Done, the feature is implemented.     <- no test, no review after the write
```

## Not flagged

- Runs that only read (search, fetch, look up): nothing to verify.
- A verification after the last change (run_tests, a reviewer agent, a guardrail).
- Runs stopped by a loop guard, and runs with no final answer.

## Options

None.

## Mapping

MAST 3.2 (no or incomplete verification)."
    };
}

#[doc = doc!()]
pub struct MissingVerification;

static CHANGE: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)(write|edit|create|update|delete|remove|insert|commit|push|deploy|execute|exec\b|run_code|python|shell|apply|patch|send|book|cancel|modify|pay|refund|save|upload|transfer_funds)",
    )
});

static VERIFY: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::ascii_regex(
        r"(?i)(verif|validat|check|test|review|critic|judge|evaluat|assert|lint|confirm|inspect)",
    )
});

fn is_verification(row: &Row) -> bool {
    row.kind == Kind::Guardrail
        || [Some(row.name), row.tool_name, row.agent]
            .into_iter()
            .flatten()
            .any(|n| VERIFY.is_match(n))
}

impl Detector for MissingVerification {
    fn name(&self) -> &'static str {
        "missing-verification"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("3.2"),
            checklist: Some("P8"),
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
        let last_change = trace.rows.iter().rev().find(|r| {
            r.seq < answer.seq
                && r.kind == Kind::ToolCall
                && !is_verification(r)
                && r.tool_name.is_some_and(|n| CHANGE.is_match(n))
        });
        let Some(change) = last_change else {
            return Vec::new();
        };
        let verified = trace
            .rows
            .iter()
            .any(|r| r.seq > change.seq && r.seq <= answer.seq && is_verification(r));
        if verified {
            return Vec::new();
        }
        let message = format!(
            "{} ran {} and the run answered with no check after it: verify changes (tests, a reviewer, a validator) before the final answer",
            change.agent.unwrap_or("the run"),
            change.tool_name.unwrap_or("a change")
        );
        vec![FindingBuilder::new(self, trace)
            .evidence([change, answer])
            .confidence(0.6)
            .build(message)]
    }
}
