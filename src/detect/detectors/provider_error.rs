use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::failure::Failure;
use crate::text::{quote, Quoted};

macro_rules! doc {
    () => {
        "## What it does

Flags the failures of the model's (or another service's) API in a trace: a rate limit, a 5xx, an
overloaded model, an exhausted quota — a span whose error names the provider's exception
(`RateLimitError`, `APIConnectionError`, ...), or whose output reports it (`too many requests`).
One finding per agent whose calls failed so; an error when the run ended on such a failure, a
warning when a later call of the same agent succeeded.

## Why is this bad?

It is an infrastructure failure, not the agents' reasoning: the fix is a client that retries
with exponential backoff and jitter, a cap on concurrent calls, a fallback model or deployment —
not a change of prompts or of the orchestration. Reported as MAST 3.1 (premature termination)
it would send the reader to the wrong place; `premature-termination` leaves runs that ended on a
provider failure to this detector.

## Example

```text
planner -> llm_call gpt-4o   ERROR openai.RateLimitError: Rate limit reached for gpt-4o
(the run ends)
```

## Not flagged

- Failures of the agents' own steps: a tool's exception, a traceback, a wrong argument (the
  failure detectors judge those).
- A model's refusal or \"I cannot\" (the words of the model, not a failure of its API).

## Options

None.

## Mapping

None: infrastructure, outside MAST and the checklist."
    };
}

#[doc = doc!()]
pub struct ProviderError;

impl Detector for ProviderError {
    fn name(&self) -> &'static str {
        "provider-error"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: None,
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
        let mut failed: Vec<&Row> = trace
            .rows
            .iter()
            .filter(|r| r.failure == Some(Failure::Provider))
            .collect();
        // An agent or workflow span that repeats its model call's error is
        // the same failure, not another one.
        let parents: rustc_hash::FxHashSet<&str> =
            failed.iter().filter_map(|r| r.parent_id).collect();
        failed.retain(|r| !parents.contains(r.span_id));
        let mut agents: Vec<Option<&str>> = Vec::new();
        for row in &failed {
            if !agents.contains(&row.agent) {
                agents.push(row.agent);
            }
        }
        agents
            .into_iter()
            .map(|agent| {
                let rows: Vec<&Row> = failed.iter().copied().filter(|r| r.agent == agent).collect();
                let last = rows[rows.len() - 1];
                // Recovered: a later model call of the same agent that did
                // not fail.
                let recovered = trace.rows.iter().any(|r| {
                    r.seq > last.seq
                        && r.agent == agent
                        && r.kind == crate::event::Kind::LlmCall
                        && r.failure.is_none()
                });
                let what = last
                    .error_message
                    .or(last.error_type)
                    .or(last.output)
                    .map(|m| format!(" (\"{}\")", quote(m, 80, Quoted::Error)))
                    .unwrap_or_default();
                let who = agent.unwrap_or("the run");
                let message = if recovered {
                    format!(
                        "{who}'s model API failed {}{what}, and a later call went through: the provider is at its limits; retry with exponential backoff and jitter, cap concurrent calls",
                        times(rows.len())
                    )
                } else {
                    format!(
                        "{who}'s model API failed {}{what} and the run ended there: an infrastructure failure, not the agents'; retry with exponential backoff and jitter, cap concurrent calls, fall back to another model or deployment",
                        times(rows.len())
                    )
                };
                let mut finding = FindingBuilder::new(self, trace)
                    .evidence(rows.iter().copied())
                    .metric("failures", rows.len() as f64)
                    .build(message);
                if recovered {
                    finding.severity = Severity::Warning;
                }
                finding
            })
            .collect()
    }
}
