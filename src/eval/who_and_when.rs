//! Who&When (ICML 2025): failed runs of AG2 CaptainAgent group chats
//! (Algorithm-Generated) and Magentic-One (Hand-Crafted), each labelled
//! with the agent and the step (index into the history) where the mistake
//! that failed the run was made. Dev is an odd file number, test an even
//! one, in both folders.
//!
//! Scored as the paper scores failure attribution: agent-level accuracy
//! (the blamed agent is the mistake agent) and step-level accuracy (the
//! blamed step is the mistake step), per folder, from `detect::blame` with
//! every run known to have failed.

use std::collections::BTreeMap;

use super::{CorpusEval, Metric, Split};
use crate::detect::blame::Blame;
use crate::labels::LabelRow;

/// A method's published (agent, step) accuracy in percent.
type Reference = (&'static str, f64, f64);

/// GPT-4o with ground truth, agent / step accuracy in percent (Zhang et
/// al., "Which Agent Causes Task Failures and When?", ICML 2025).
const REFERENCES: [(&str, [Reference; 4]); 2] = [
    (
        "Algorithm-Generated",
        [
            ("all-at-once", 54.33, 12.50),
            ("step-by-step", 35.20, 25.51),
            ("binary search", 44.13, 23.98),
            ("random", 29.10, 19.06),
        ],
    ),
    (
        "Hand-Crafted",
        [
            ("all-at-once", 55.17, 5.26),
            ("step-by-step", 34.48, 7.02),
            ("binary search", 51.72, 6.90),
            ("random", 12.00, 4.16),
        ],
    ),
];

/// `Hand-Crafted/12` → (`Hand-Crafted`, 12).
fn folder_and_number(trace_id: &str) -> Option<(&str, u64)> {
    let (folder, number) = trace_id.rsplit_once('/')?;
    let folder = folder.rsplit('/').next()?;
    Some((folder, number.parse().ok()?))
}

/// One blame compared with its label, for the closing note's error
/// analysis.
#[derive(Clone, Debug, serde::Serialize, PartialEq)]
pub struct Attribution {
    pub trace_id: String,
    pub gold_agent: String,
    pub gold_step: i64,
    pub agent: Option<String>,
    pub step: Option<i64>,
    pub reason: Option<&'static str>,
    pub detail: Option<String>,
}

pub fn evaluate(
    labels: &[LabelRow],
    blames: &[Blame],
    split: Split,
) -> (CorpusEval, Vec<Attribution>) {
    let by_trace: BTreeMap<&str, &Blame> =
        blames.iter().map(|b| (b.trace_id.as_str(), b)).collect();
    // folder → (traces, right agents, right steps)
    let mut tally: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut attributions = Vec::new();
    for label in labels.iter().filter(|l| l.corpus == "who_and_when") {
        let Some((folder, number)) = folder_and_number(&label.trace_id) else {
            continue;
        };
        if !split.includes(number % 2 == 1) {
            continue;
        }
        let blame = by_trace.get(label.trace_id.as_str());
        let gold_agent = label.agent.clone().unwrap_or_default();
        let gold_step = label.step.unwrap_or(-1);
        let entry = tally.entry(folder).or_default();
        entry.0 += 1;
        if let Some(blame) = blame {
            entry.1 += usize::from(blame.agent.as_deref() == Some(gold_agent.as_str()));
            entry.2 += usize::from(blame.step == Some(gold_step));
        }
        attributions.push(Attribution {
            trace_id: label.trace_id.clone(),
            gold_agent,
            gold_step,
            agent: blame.and_then(|b| b.agent.clone()),
            step: blame.and_then(|b| b.step),
            reason: blame.map(|b| b.reason.as_str()),
            detail: blame.map(|b| b.detail.clone()),
        });
    }
    let mut metrics = Vec::new();
    for (folder, references) in REFERENCES {
        let (n, agents, steps) = tally.get(folder).copied().unwrap_or_default();
        let percent = |right: usize| (n > 0).then(|| 100.0 * right as f64 / n as f64);
        for (what, right, pick) in [("agent", agents, 0), ("step", steps, 1)] {
            metrics.push(Metric {
                name: format!("{what} accuracy % ({folder})"),
                value: percent(right),
                traces: n,
                references: references
                    .iter()
                    .map(|(method, agent, step)| {
                        (
                            format!("GPT-4o {method}"),
                            if pick == 0 { *agent } else { *step },
                        )
                    })
                    .collect(),
            });
        }
    }
    let eval = CorpusEval {
        corpus: "Who&When".to_string(),
        split,
        traces: tally.values().map(|t| t.0).sum(),
        metrics,
        per_detector: Vec::new(),
        per_category: Vec::new(),
        notes: vec![
            "split: an odd file number is dev, an even one test (../shared/data/README.md)"
                .to_string(),
        ],
    };
    (eval, attributions)
}
