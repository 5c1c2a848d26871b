//! `tracelint eval`: how right tracelint is, measured on traces and labels
//! that people outside the project made (TRAIL, Who&When, the MAST human
//! records) and on the project's own fixtures, whose failures are planted by
//! construction. One file per corpus; this one holds the splits and the
//! arithmetic they share.
//!
//! Scores findings and labels; never imports `ingest`, `pipeline` or `cli`
//! (the `eval` command reads the corpora through the pipeline).

pub mod mast;
pub mod planted;
pub mod trail;
pub mod who_and_when;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::detect::Finding;
use crate::taxonomy::Reach;

/// Which part of a corpus is measured (../shared/data/README.md): tune on
/// dev, report test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Dev,
    Test,
    All,
}

impl Split {
    /// Whether a trace on the `dev` side of its corpus' rule is measured.
    pub fn includes(self, is_dev: bool) -> bool {
        match self {
            Split::Dev => is_dev,
            Split::Test => !is_dev,
            Split::All => true,
        }
    }
}

/// True and false positives and false negatives, counted over traces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn add(&mut self, predicted: bool, gold: bool) {
        match (predicted, gold) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Precision, recall and F1 of one detector or label category; `None`
/// where the ratio has no denominator (precision of a detector that never
/// fired; anything of a category neither labelled nor predicted).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Score {
    pub name: String,
    /// For TRAIL categories: whether a deterministic detector can see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<Reach>,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Score {
    pub fn new(name: &str, counts: Counts, reach: Option<Reach>) -> Score {
        let precision = ratio(counts.tp, counts.tp + counts.fp);
        let recall = ratio(counts.tp, counts.tp + counts.fn_);
        // 2PR / (P + R), written so that a category never predicted but
        // labelled scores 0, not nothing.
        let f1 = ratio(2 * counts.tp, 2 * counts.tp + counts.fp + counts.fn_);
        Score {
            name: name.to_string(),
            reach,
            tp: counts.tp,
            fp: counts.fp,
            fn_: counts.fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// A single figure with the published figure it compares to.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: Option<f64>,
    /// Traces the figure is averaged over.
    pub traces: usize,
    /// Published figures to read it against: (who, value), in the same unit.
    pub references: Vec<(String, f64)>,
}

/// One corpus measured on one split.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CorpusEval {
    pub corpus: String,
    pub split: Split,
    /// Traces measured.
    pub traces: usize,
    pub metrics: Vec<Metric>,
    /// Trace level, per detector: it fired vs. the trace is labelled with a
    /// category the detector maps to.
    pub per_detector: Vec<Score>,
    /// Trace level, per label category: a detector mapped to it fired vs.
    /// the trace is labelled with it.
    pub per_category: Vec<Score>,
    /// What was left out and why (a split rule, labels with no mapping).
    pub notes: Vec<String>,
}

/// What one trace is labelled with and what tracelint predicted for it.
pub struct TraceOutcome<'a> {
    pub gold: BTreeSet<String>,
    pub findings: Vec<&'a Finding>,
}

/// Trace-level scores per category and per detector, under a mapping from
/// detector to the categories it predicts. Categories are those of
/// `categories`, in its order (every label category, mapped or not).
pub fn trace_level_scores(
    outcomes: &[TraceOutcome],
    detector_categories: &BTreeMap<String, Vec<String>>,
    categories: &[(String, Option<Reach>)],
) -> (Vec<Score>, Vec<Score>) {
    let mut per_category: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut per_detector: BTreeMap<&str, Counts> = BTreeMap::new();
    for outcome in outcomes {
        let fired: BTreeSet<&str> = outcome
            .findings
            .iter()
            .map(|f| f.detector.as_str())
            .collect();
        let predicted: BTreeSet<&str> = fired
            .iter()
            .flat_map(|d| detector_categories.get(*d).into_iter().flatten())
            .map(String::as_str)
            .collect();
        for (category, _) in categories {
            per_category.entry(category).or_default().add(
                predicted.contains(category.as_str()),
                outcome.gold.contains(category),
            );
        }
        for (detector, mapped) in detector_categories {
            if mapped.is_empty() {
                continue;
            }
            let gold = mapped.iter().any(|c| outcome.gold.contains(c));
            per_detector
                .entry(detector)
                .or_default()
                .add(fired.contains(detector.as_str()), gold);
        }
    }
    let categories = categories
        .iter()
        .map(|(name, reach)| {
            let counts = per_category.get(name.as_str()).copied().unwrap_or_default();
            Score::new(name, counts, *reach)
        })
        .collect();
    let detectors = per_detector
        .into_iter()
        .map(|(name, counts)| Score::new(name, counts, None))
        .collect();
    (detectors, categories)
}

/// Findings grouped by trace id.
pub fn findings_by_trace(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut by_trace: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_trace.entry(f.trace_id.as_str()).or_default().push(f);
    }
    by_trace
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_and_f1_from_counts() {
        let s = Score::new(
            "x",
            Counts {
                tp: 3,
                fp: 1,
                fn_: 2,
            },
            None,
        );
        assert_eq!(s.precision, Some(0.75));
        assert_eq!(s.recall, Some(0.6));
        assert!((s.f1.unwrap() - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        let none = Score::new("y", Counts::default(), None);
        assert_eq!((none.precision, none.recall, none.f1), (None, None, None));
        let missed = Score::new(
            "z",
            Counts {
                tp: 0,
                fp: 0,
                fn_: 4,
            },
            None,
        );
        assert_eq!(
            (missed.precision, missed.recall, missed.f1),
            (None, Some(0.0), Some(0.0))
        );
    }
}
