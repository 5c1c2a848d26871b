use std::collections::BTreeMap;

use crate::detect::{times, Detector, Finding, FindingBuilder, Mapping, Row, Severity, TraceView};
use crate::event::Kind;
use crate::text::{minhash_signature, signature_similarity};

macro_rules! doc {
    () => {
        "## What it does

Flags an agent that keeps revising: `min_rounds` or more consecutive outputs of one agent (its
LLM calls or messages), or consecutive arguments it sends to one tool or agent-as-tool (a plan
sent to a critic), each a near-duplicate of the one before — MinHash similarity of word
shingles at least `similarity`, yet not identical — in a run that never settles: a loop guard
stopped it, or the revisions go on to the agent's last word with no termination condition met.

## Why is this bad?

A planner and its critics that trade small edits forever starve the run of progress: each round
costs a full model turn and nothing converges (MAST 1.5; checklist P9, re-plan versus retry).

## Example

```text
planner -> critic: Launch plan, revision 1. Step 1: research the audience ...
critic:            Needs revision: the order of steps is still unclear.
planner -> critic: Launch plan, revision 2. Step 1: research the audience ...   (same, one word)
... until max_turns
```

## Not flagged

- Identical repeats (`repeated-identical-output` and `repeated-tool-call` flag those).
- Revisions that change a lot (similarity below `similarity`): that is work, not starvation.
- A revision run that ends in a termination condition met (TERMINATE, a stop message) or is
  followed by other output of the same agent.

## Options

- `similarity` (0.9), `min_rounds` (3).

## Mapping

MAST 1.5 (unaware of termination conditions); checklist P9 (re-plan versus retry)."
    };
}

#[doc = doc!()]
pub struct ConvergenceStarvation;

/// One agent's successive versions of something: its outputs, or its
/// arguments to one tool.
struct Versions<'r, 'a> {
    what: String,
    rows: Vec<(&'r Row<'a>, Vec<u32>, u64)>,
}

impl Detector for ConvergenceStarvation {
    fn name(&self) -> &'static str {
        "convergence-starvation"
    }

    fn mapping(&self) -> Mapping {
        Mapping {
            mast_mode: Some("1.5"),
            checklist: Some("P9"),
        }
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn documentation(&self) -> &'static str {
        doc!()
    }

    fn check(&self, trace: &TraceView) -> Vec<Finding> {
        let options = &trace.options.convergence;
        let settled = trace
            .rows
            .iter()
            .filter_map(|r| r.termination_reason)
            .any(|r| !crate::termination::is_loop_guard(r));
        if settled {
            return Vec::new();
        }
        let mut series: BTreeMap<(&str, String), Versions> = BTreeMap::new();
        for row in &trace.rows {
            let Some(agent) = row.agent else { continue };
            let version = match row.kind {
                Kind::LlmCall | Kind::Message
                    if row.has_output() && row.role != Some(crate::event::Role::Tool) =>
                {
                    trace
                        .output_sig(row)
                        .zip(row.output_hash)
                        .map(|(sig, hash)| (String::from("output"), sig, hash))
                }
                Kind::ToolCall => row.tool_args.and_then(|args| {
                    let sig = minhash_signature(args)?;
                    let name = row.tool_name.unwrap_or("tool");
                    Some((format!("arguments to {name}"), sig, row.tool_args_hash?))
                }),
                _ => None,
            };
            if let Some((what, sig, hash)) = version {
                let versions = series
                    .entry((agent, what.clone()))
                    .or_insert_with(|| Versions {
                        what,
                        rows: Vec::new(),
                    });
                // The same text recorded twice in a row (an LLM call and
                // the message it became) is one version.
                if versions.rows.last().map(|v| v.2) != Some(hash) {
                    versions.rows.push((row, sig, hash));
                }
            }
        }
        // Per agent, the longest unsettled revision run of any of its
        // series: one loop seen through its outputs and its arguments is
        // one finding.
        let mut per_agent: BTreeMap<&str, (&Versions, Vec<&Row>)> = BTreeMap::new();
        for ((agent, _), versions) in &series {
            let run = last_revision_run(&versions.rows, options.similarity);
            if run.len() < options.min_rounds.max(2) {
                continue;
            }
            // The run must be the agent's last word on it, unless a guard
            // cut the trace short.
            let ends_series = run.last().map(|r| r.seq) == versions.rows.last().map(|v| v.0.seq);
            if !ends_series && trace.guard().is_none() {
                continue;
            }
            let longer = per_agent
                .get(agent)
                .is_none_or(|(_, best)| run.len() > best.len());
            if longer {
                per_agent.insert(agent, (versions, run));
            }
        }
        let mut findings: Vec<Finding> = per_agent
            .into_iter()
            .map(|(agent, (versions, run))| {
                let message = format!(
                    "{agent} revised its {} {} with only small changes and never converged: cap revision rounds, then accept, escalate or stop",
                    versions.what,
                    times(run.len())
                );
                FindingBuilder::new(self, trace)
                    .evidence(run.iter().copied())
                    .metric("rounds", run.len() as f64)
                    .waste(run[1].seq..=run[run.len() - 1].seq)
                    .build(message)
            })
            .collect();
        findings.sort_by_key(|f| f.seq_range[0]);
        findings
    }
}

/// The last run of consecutive versions each a near-duplicate (not a copy)
/// of the one before.
fn last_revision_run<'r, 'a>(
    versions: &[(&'r Row<'a>, Vec<u32>, u64)],
    similarity: f64,
) -> Vec<&'r Row<'a>> {
    let mut best: Vec<&Row> = Vec::new();
    let mut current: Vec<&Row> = Vec::new();
    for pair in versions.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        let near = previous.2 != next.2 && signature_similarity(&previous.1, &next.1) >= similarity;
        if near {
            if current.is_empty() {
                current.push(previous.0);
            }
            current.push(next.0);
        } else if !current.is_empty() {
            best = std::mem::take(&mut current);
        }
    }
    if !current.is_empty() {
        best = current;
    }
    best
}
