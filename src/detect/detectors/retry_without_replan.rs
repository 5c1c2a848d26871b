use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::{Kind, Role};

macro_rules! doc {
    () => {
        "## What it does

Flags a failure that comes back: a tool call, an agent run or a step that failed and is tried
again by the same agent either unchanged (the same tool with the same canonical arguments, the
same agent with the same input) or changed but failing with the same error (the same
`failure_signature`: the line naming the cause, its numbers and ids masked). One finding per
run of such attempts; a run ends at a success, at another failure, or at an attempt that is
neither. A step fails by its status or by its words (the `failure` column's `hard`: a
traceback, `exitcode: 1`, `Error: ...`); a provider's failure is `provider-error`'s.

Steps without calls count too: the same error printed again by the same speaker of a chat (a
code executor's `NameError` after the code was \"fixed\").

Evidence: the attempts and the steps that decided each (the model call or message that wrote it,
see `TraceView::decided_by`), which come first in trace order.

## Why is this bad?

A request that failed and is sent again unchanged hopes the world changed; one whose error
comes back after its arguments changed shows that the error was not read. Either way the run
pays for the same failure again (TRAIL's resource abuse and context handling failures). A
production system retries transient errors (timeouts, 5xx, rate limits) with backoff a bounded
number of times and otherwise re-plans: other arguments, another tool, another agent, or a
report of the failure (checklist P6, re-plan versus retry). The message says which applies:
the error's words decide whether it is transient (`taxonomy/failures.toml`, `[transient]`).

## Example

```text
fetcher -> query_db {\"sql\": \"select ...\"}   error: relation does not exist
fetcher -> query_db {\"sql\": \"select ...\"}   error: relation does not exist
agent   -> book_reservation {... \"amount\": 25}   Error: payment amount does not add up, total price is 305, but paid 25
agent   -> book_reservation {... \"amount\": 29}   Error: payment amount does not add up, total price is 305, but paid 29
```

## Not flagged

- A retry with changed arguments or another tool that fails otherwise or succeeds: a re-plan.
- A transient error sent again unchanged that then succeeded: the retry it called for.
- An identical call after a success (`repeated-tool-call` judges repeats).
- Tool results repeated as messages of a chat (the call is counted, not its echo).

## Options

None.

## Mapping

Checklist P6 (re-plan versus retry); TRAIL resource abuse and context handling failures."
    };
}

#[doc = doc!()]
pub struct RetryWithoutReplan;

/// What a run's attempts have in common with the failure that began it.
#[derive(Clone, Copy, PartialEq)]
enum Retry {
    /// Sent again unchanged.
    Unchanged,
    /// Changed, failing with the same error.
    SameError,
}

/// Attempts of one kind by one agent, compared with each other.
#[derive(Clone, Copy, PartialEq)]
enum Attempts {
    ToolCalls,
    AgentRuns,
    /// Messages or steps of one speaker: comparable by their error only.
    Steps,
}

impl Attempts {
    fn of(row: &Row) -> Option<Attempts> {
        match row.kind {
            Kind::ToolCall => Some(Attempts::ToolCalls),
            Kind::AgentInvoke => Some(Attempts::AgentRuns),
            Kind::Message | Kind::Step
                if row.role != Some(Role::Tool) && row.agent.is_some() && !row.from_person() =>
            {
                Some(Attempts::Steps)
            }
            _ => None,
        }
    }

    /// `b` is an attempt at what `a` attempted: the same tool, agent or
    /// speaker.
    fn same_target(self, a: &Row, b: &Row) -> bool {
        a.agent == b.agent
            && match self {
                Attempts::ToolCalls => a.tool_name.is_some() && a.tool_name == b.tool_name,
                Attempts::AgentRuns | Attempts::Steps => a.agent.is_some(),
            }
    }

    /// `b` sends again exactly what `a` sent.
    fn unchanged(self, a: &Row, b: &Row) -> bool {
        match self {
            Attempts::ToolCalls => {
                a.tool_args_hash.is_some() && a.tool_args_hash == b.tool_args_hash
            }
            Attempts::AgentRuns => a.input_hash.is_some() && a.input_hash == b.input_hash,
            Attempts::Steps => false,
        }
    }
}

/// The text that says how `row` failed: its error message or type, else
/// its output.
fn error_text<'a>(row: &Row<'a>) -> &'a str {
    row.error_message
        .or(row.error_type)
        .or(row.output)
        .unwrap_or_default()
}

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
        // A step or agent run that fails because a call inside it failed
        // repeats that failure: the call is the attempt, not its parents.
        let parent_of: rustc_hash::FxHashMap<&str, &str> = trace
            .rows
            .iter()
            .filter_map(|r| Some((r.span_id, r.parent_id?)))
            .collect();
        let mut wrapping: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
        for row in trace.rows.iter().filter(|r| r.failed_hard()) {
            let mut span = row.span_id;
            while let Some(&parent) = parent_of.get(span) {
                if !wrapping.insert(parent) {
                    break;
                }
                span = parent;
            }
        }
        let mut findings = Vec::new();
        for attempts in [Attempts::ToolCalls, Attempts::AgentRuns, Attempts::Steps] {
            let rows: Vec<usize> = (0..trace.rows.len())
                .filter(|&i| Attempts::of(&trace.rows[i]) == Some(attempts))
                .filter(|&i| !wrapping.contains(trace.rows[i].span_id))
                .collect();
            let mut taken = vec![false; rows.len()];
            for start in 0..rows.len() {
                let failed = &trace.rows[rows[start]];
                if taken[start] || !failed.failed_hard() {
                    continue;
                }
                let mut run = vec![(rows[start], Retry::Unchanged)];
                let mut last_failed = true;
                for (next, &at) in rows.iter().enumerate().skip(start + 1) {
                    let row = &trace.rows[at];
                    if !attempts.same_target(failed, row) {
                        continue;
                    }
                    // Steps of a chat take part only when they failed: a
                    // speaker's other messages are not attempts at its step.
                    if attempts == Attempts::Steps && !row.failed_hard() {
                        if row.failure.is_none() && row.has_output() {
                            break; // the speaker did its step
                        }
                        continue;
                    }
                    let retry = if attempts.unchanged(failed, row) {
                        Retry::Unchanged
                    } else if row.failed_hard() && row.failure_signature == failed.failure_signature
                    {
                        Retry::SameError
                    } else {
                        break;
                    };
                    taken[next] = true;
                    run.push((at, retry));
                    last_failed = row.failed_hard();
                    if !last_failed {
                        break;
                    }
                }
                if run.len() < 2 {
                    continue;
                }
                let error = error_text(failed);
                let transient = crate::failure::transient(error);
                if transient && !last_failed {
                    continue; // the retry a transient error called for
                }
                findings.push(self.finding(trace, attempts, &run, last_failed, transient, error));
            }
        }
        findings.sort_by_key(|f| f.seq_range[0]);
        findings
    }
}

impl RetryWithoutReplan {
    fn finding(
        &self,
        trace: &TraceView,
        attempts: Attempts,
        run: &[(usize, Retry)],
        last_failed: bool,
        transient: bool,
        error: &str,
    ) -> Finding {
        let first = &trace.rows[run[0].0];
        let name = match attempts {
            Attempts::ToolCalls => first.tool_name.unwrap_or("a tool").to_string(),
            Attempts::AgentRuns => format!("agent {}", first.agent.unwrap_or("?")),
            Attempts::Steps => first.agent.unwrap_or("a step").to_string(),
        };
        let retries = run.len() - 1;
        let unchanged = run[1..].iter().all(|(_, r)| *r == Retry::Unchanged);
        let what = match (unchanged, last_failed) {
            (true, true) => format!(
                "was sent again unchanged {}, failing each time",
                times(retries)
            ),
            (true, false) => format!(
                "was sent again unchanged {} before it went through",
                times(retries)
            ),
            (false, _) => {
                let again = run[1..]
                    .iter()
                    .filter(|(at, _)| trace.rows[*at].failed_hard())
                    .count();
                format!("failed the same way {} more", times(again))
            }
        };
        let advice = match (transient, unchanged, last_failed) {
            (true, _, _) => "a transient error: retry it with backoff and a bound, then re-plan",
            (false, true, true) => {
                "this error recurs for the same request: re-plan (other arguments, another tool or agent) or report the failure"
            }
            (false, true, false) => {
                "the same request failed, then passed: find what made it fail rather than retry blindly"
            }
            (false, false, _) => {
                "what changed did not touch the cause: show the model the error and re-plan, or report the failure"
            }
        };
        let cause = crate::text::cause_line(error)
            .map(|line| {
                format!(
                    " ({})",
                    crate::text::quote(line, 90, crate::text::Quoted::Text)
                )
            })
            .unwrap_or_default();
        let message = format!("{name} failed{cause}, then {what}: {advice}");
        // The steps that decided each attempt, each before its attempt in
        // trace order: where people look for the cause of a bad call.
        let deciders = run.iter().filter_map(|(at, _)| trace.decided_by(*at));
        let tried = run.iter().map(|(at, _)| &trace.rows[*at]);
        let last = run[run.len() - 1].0;
        FindingBuilder::new(self, trace)
            .evidence(deciders.chain(tried))
            .metric("retries", retries as f64)
            .waste(trace.rows[run[1].0].seq..=trace.rows[last].seq)
            .build(message)
    }
}
