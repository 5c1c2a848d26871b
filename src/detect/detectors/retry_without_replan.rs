use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;

macro_rules! doc {
    () => {
        "## What it does

Flags a failed tool call, or a failed agent run, that is sent again unchanged: the same tool with
the same canonical arguments (or the same agent with the same input) as the next call of that
kind by the same agent.

## Why is this bad?

Retrying the identical request after a failure hopes the world changed; a production system
retries transient errors with backoff a bounded number of times and otherwise re-plans: other
arguments, another tool, another agent (checklist P6, re-plan versus retry).

## Example

```text
fetcher -> query_db {\"sql\": \"select ...\"}   error: relation does not exist
fetcher -> query_db {\"sql\": \"select ...\"}   error: relation does not exist
```

## Not flagged

- A retry with changed arguments or another tool: that is a re-plan.
- An identical call after a success (`repeated-tool-call` judges repeats).

## Options

None.

## Mapping

Checklist P6 (re-plan versus retry)."
    };
}

#[doc = doc!()]
pub struct RetryWithoutReplan;

impl Detector for RetryWithoutReplan {
    fn name(&self) -> &'static str {
        "retry-without-replan"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
            checklist: Some("P6"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Warning
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let mut findings = Vec::new();
        for kind in [Kind::ToolCall, Kind::AgentInvoke] {
            let calls: Vec<&Row> = trace.rows.iter().filter(|r| r.kind == kind).collect();
            let same = |a: &Row, b: &Row| match kind {
                Kind::ToolCall => {
                    a.tool_name.is_some()
                        && a.tool_name == b.tool_name
                        && a.tool_args_hash == b.tool_args_hash
                }
                _ => {
                    a.agent.is_some()
                        && a.agent == b.agent
                        && a.input_hash.is_some()
                        && a.input_hash == b.input_hash
                }
            };
            // Runs of a failed call followed by its identical resend(s),
            // per calling agent.
            let mut i = 0;
            while i < calls.len() {
                let failed = calls[i];
                if !failed.failed() {
                    i += 1;
                    continue;
                }
                let mut run = vec![failed];
                let mut j = i + 1;
                while j < calls.len() {
                    let next = calls[j];
                    if kind == Kind::ToolCall && next.agent != failed.agent {
                        j += 1;
                        continue;
                    }
                    if same(failed, next) {
                        run.push(next);
                        j += 1;
                        if !next.failed() {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                if run.len() >= 2 {
                    let name = match kind {
                        Kind::ToolCall => failed.tool_name.unwrap_or("a tool").to_string(),
                        _ => format!("agent {}", failed.agent.unwrap_or("?")),
                    };
                    let message = format!(
                        "{name} failed and was sent again unchanged {}: retry transient errors with backoff, otherwise re-plan (other arguments, another tool or agent)",
                        times(run.len() - 1)
                    );
                    findings.push(
                        FindingBuilder::new(self, trace)
                            .evidence(run.iter().copied())
                            .metric("retries", (run.len() - 1) as f64)
                            .waste(run[1].seq..=run[run.len() - 1].seq)
                            .build(message),
                    );
                }
                i = j.max(i + 1);
            }
        }
        findings.sort_by_key(|f| f.seq_range[0]);
        findings
    }
}
