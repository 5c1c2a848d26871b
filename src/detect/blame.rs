//! Where a failure began: for a failed trace, the agent and the step that
//! started it, with the reason. It is what `tracelint blame` prints and
//! what `tracelint eval` scores against Who&When's mistake agent and step.
//!
//! The earliest of these, in this order of trust:
//! 1. a progress ledger (Magentic-One's orchestrator) that first says the
//!    run is stalled or looping: the worker step just before it;
//! 2. the earlier of: the first output that reports a failure (a
//!    traceback, a non-zero exit code, "not found", an error status)
//!    outside the orchestrator's own planning — its author, or, when an
//!    executor or tool reported it, the agent whose action it ran — and the
//!    first evidence of a detector's finding (the first call of a loop, the
//!    first unhandled failure);
//! 3. for a trace known to have failed with none of these: the first step
//!    of a worker (an agent that is not the orchestrator, a tool or the
//!    user), where most runs that go wrong first go wrong.
//!
//! The order was chosen on the Who&When dev split (odd file numbers); the
//! test split is only measured.

use serde::Serialize;

use super::{Finding, Row, Severity};
use crate::event::{Kind, Role};
use crate::failure::Failure;
use crate::signals;
use crate::termination::is_loop_guard;

/// Why a step was blamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The orchestrator's progress ledger first said "no progress" or "in
    /// a loop" after this step.
    StalledAfter,
    /// The first action that failed.
    FirstFailure,
    /// The first evidence of a detector's finding.
    Finding,
    /// Nothing failed visibly: the first step of a worker.
    FirstWorkerStep,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::StalledAfter => "stalled_after",
            Reason::FirstFailure => "first_failure",
            Reason::Finding => "finding",
            Reason::FirstWorkerStep => "first_worker_step",
        }
    }
}

/// The blamed step of one trace.
#[derive(Clone, Debug, Serialize)]
pub struct Blame {
    pub trace_id: String,
    pub agent: Option<String>,
    /// The source's own step or turn number (a message's index in its
    /// conversation, a LangGraph superstep); None when the source numbers
    /// none.
    pub step: Option<i64>,
    pub seq: u32,
    pub span_id: String,
    pub reason: Reason,
    /// What makes the step the start: the finding's detector, the failure's
    /// words, the ledger's verdict.
    pub detail: String,
    pub source_file: String,
    pub source_line: u32,
}

/// Agents whose messages run other agents' actions and report the result
/// (AG2's `Computer_terminal`, code executors), by name: chat logs carry
/// no other mark of them.
fn is_executor(agent: &str) -> bool {
    let agent = agent.to_ascii_lowercase();
    ["terminal", "executor", "code_exec", "tool"]
        .iter()
        .any(|word| agent.contains(word))
}

/// The person or proxy who gave the task.
fn is_user(row: &Row) -> bool {
    matches!(
        row.agent.map(str::to_ascii_lowercase).as_deref(),
        Some("human" | "user" | "user_proxy" | "userproxy")
    )
}

/// Blames the step where the trace's failure began, or returns `None`
/// when it did not visibly fail (no finding above info, no failed root, no
/// loop guard) and `known_failed` is false.
pub fn blame(
    trace_id: &str,
    rows: &[Row],
    findings: &[&Finding],
    known_failed: bool,
) -> Option<Blame> {
    if !known_failed && !visibly_failed(rows, findings) {
        return None;
    }
    let orchestrators: rustc_hash::FxHashSet<&str> = rows
        .iter()
        .filter(|r| r.output_signals & signals::PROGRESS_LEDGER != 0)
        .filter_map(|r| r.agent)
        .collect();
    let is_tool = |r: &Row| {
        r.role == Some(Role::Tool) || r.kind == Kind::ToolCall || r.agent.is_some_and(is_executor)
    };
    let is_worker =
        |r: &Row| r.agent.is_some_and(|a| !orchestrators.contains(a)) && !is_tool(r) && !is_user(r);
    let worker_before = |seq: usize| rows[..seq].iter().rev().find(|r| is_worker(r));
    let make = |row: &Row, reason: Reason, detail: String| Blame {
        trace_id: trace_id.to_string(),
        agent: row.agent.map(str::to_string),
        step: row.step,
        seq: row.seq,
        span_id: row.span_id.to_string(),
        reason,
        detail,
        source_file: row.source_file.to_string(),
        source_line: row.source_line,
    };

    if let Some((at, _)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.output_signals & signals::NO_PROGRESS != 0)
    {
        if let Some(row) = worker_before(at) {
            let at_step = rows[at]
                .step
                .map(|s| format!(" at step {s}"))
                .unwrap_or_default();
            let detail = format!("the progress ledger{at_step} says the run is stalled or looping");
            return Some(make(row, Reason::StalledAfter, detail));
        }
    }
    // A loop guard's stop (max turns, recursion limit) ends a failure that
    // began earlier; it is not where it began.
    let first_failure = rows.iter().enumerate().skip(1).find(|(_, r)| {
        r.agent.is_none_or(|a| !orchestrators.contains(a))
            && !r.termination_reason.is_some_and(is_loop_guard)
            // The agents' failures; the provider's are not theirs.
            && matches!(r.failure, Some(Failure::Hard | Failure::Soft))
    });
    // A finding that shows where a loop or failure began (the first
    // repeated output, the first hop of a cycle); not one that records
    // where a guard stopped the run (the root span of a turn limit, the hop
    // past the cap, the call past the budget): that is where it ended.
    let first_finding = findings
        .iter()
        .filter(|f| f.severity != Severity::Info && f.detector != "provider-error")
        .filter(|f| !RECORDS_A_STOP.contains(&f.detector.as_str()))
        .min_by_key(|f| f.seq_range[0]);
    // The earlier of the two; on a tie the failure, which names its cause.
    match (first_failure, first_finding) {
        (Some((at, failed)), finding) if finding.is_none_or(|f| at <= f.seq_range[0] as usize) => {
            let author = if is_tool(failed) {
                worker_before(at).unwrap_or(failed)
            } else {
                failed
            };
            let what = failed
                .error_message
                .or(failed.output)
                .map(|t| crate::text::quote(t, 120, crate::text::Quoted::Error))
                .unwrap_or_default();
            let detail = if std::ptr::eq(author, failed) {
                format!("its output reports a failure: {what}")
            } else {
                format!(
                    "{} reported its action failed: {what}",
                    failed.agent.unwrap_or("a tool")
                )
            };
            return Some(make(author, Reason::FirstFailure, detail));
        }
        (_, Some(finding)) => {
            let at = finding.seq_range[0] as usize;
            if let Some(row) = rows.get(at) {
                // A tool's row is the agent's action; a row of no agent (a
                // run's root, where a turn limit is recorded) the first
                // worker's.
                let author = if is_tool(row) || row.agent.is_none() {
                    worker_before(at)
                        .or_else(|| rows.iter().find(|r| is_worker(r)))
                        .unwrap_or(row)
                } else {
                    row
                };
                let detail = format!("{}: {}", finding.detector, finding.message);
                return Some(make(author, Reason::Finding, detail));
            }
        }
        _ => {}
    }
    // Known to have failed, or stopped by a guard (a finding that records
    // the stop) with nothing earlier to blame: the first worker step.
    let stopped = findings
        .iter()
        .any(|f| RECORDS_A_STOP.contains(&f.detector.as_str()));
    if known_failed || stopped {
        let row = rows.iter().find(|r| is_worker(r)).or(rows.first())?;
        let detail = if known_failed {
            "no step failed visibly; the first step of a worker"
        } else {
            "the run was stopped by a guard and no step failed visibly before; the first step of a worker"
        };
        return Some(make(row, Reason::FirstWorkerStep, detail.to_string()));
    }
    None
}

/// Detectors whose evidence is where a run was stopped or crossed a
/// limit, not where its failure began.
const RECORDS_A_STOP: &[&str] = &[
    "turn-limit-hit",
    "hop-limit-exceeded",
    "budget-exceeded",
    "duration-exceeded",
];

/// A run failed visibly: a finding of warning or error severity, a failed
/// root, or a loop guard that stopped it.
fn visibly_failed(rows: &[Row], findings: &[&Finding]) -> bool {
    findings.iter().any(|f| f.severity != Severity::Info)
        || rows.iter().any(|r| r.parent_id.is_none() && r.failed())
        || rows
            .iter()
            .any(|r| r.termination_reason.is_some_and(is_loop_guard))
}

/// Blames every trace of the Store: those with a visible failure, or all
/// of them when `known_failed` (the runs are known to have failed, as in
/// Who&When). `findings` are the detectors' findings on the same Store.
pub fn blame_all(
    events: &polars::prelude::DataFrame,
    index: &crate::store::TraceIndex,
    findings: &[Finding],
    known_failed: bool,
) -> anyhow::Result<Vec<Blame>> {
    use rayon::prelude::*;
    let columns = super::StoreColumns::new(events)?;
    let mut by_trace: rustc_hash::FxHashMap<&str, Vec<&Finding>> = Default::default();
    for f in findings {
        by_trace.entry(&f.trace_id).or_default().push(f);
    }
    Ok(index
        .traces
        .par_iter()
        .filter_map(|trace| {
            let rows = columns.rows(trace);
            let findings = by_trace
                .get(trace.trace_id.as_str())
                .map_or(&[][..], Vec::as_slice);
            blame(&trace.trace_id, &rows, findings, known_failed)
        })
        .collect())
}
