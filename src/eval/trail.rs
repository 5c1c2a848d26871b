//! TRAIL (Patronus AI): smolagents runs on GAIA and SWE-bench whose errors
//! people located at a span and put in one of 21 categories. Dev is a trace
//! id starting 0–7, test 8–f.
//!
//! Scored as the TRAIL paper scores a model: per trace, location accuracy
//! |gold spans ∩ predicted spans| / |gold spans| and joint accuracy
//! |gold (span, category) ∩ predicted (span, category)| / |gold pairs|,
//! each averaged over the traces with at least one labelled error. A
//! finding predicts its evidence spans with the TRAIL categories its
//! detector maps to (taxonomy/mapping.toml); findings of a detector with no
//! TRAIL category predict nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::{trace_level_scores, CorpusEval, Metric, Split, TraceOutcome};
use crate::detect::Finding;
use crate::labels::LabelRow;
use crate::taxonomy::MAPPING;

/// Reference figures: the best model in the TRAIL paper (Gemini-2.5-Pro),
/// joint accuracy overall and on GAIA, in percent.
const REFERENCE_JOINT: [(&str, f64); 2] = [("overall", 11.0), ("GAIA", 18.3)];

fn is_dev(trace_id: &str) -> bool {
    matches!(trace_id.as_bytes().first(), Some(b'0'..=b'7'))
}

/// GAIA or SWE Bench, from the annotation file's folder.
fn subset(source_file: &str) -> &'static str {
    if source_file.contains("swe_bench") {
        "SWE Bench"
    } else {
        "GAIA"
    }
}

/// One annotated trace: its subset and labelled (span, category) errors.
#[derive(Default)]
struct Annotated {
    subset: &'static str,
    errors: BTreeSet<(String, String)>,
}

/// `traces`: the ids of the traces read; annotations of a trace that is
/// not among them cannot be scored and are left out.
pub fn evaluate(
    labels: &[LabelRow],
    findings: &[Finding],
    traces_read: &BTreeSet<&str>,
    split: Split,
) -> CorpusEval {
    let mapping = &*MAPPING;
    let mut notes = Vec::new();
    let mut traces: BTreeMap<&str, Annotated> = BTreeMap::new();
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut without_trace = BTreeSet::new();
    for label in labels.iter().filter(|l| l.corpus == "trail") {
        if !split.includes(is_dev(&label.trace_id)) {
            continue;
        }
        if !traces_read.contains(label.trace_id.as_str()) {
            without_trace.insert(label.trace_id.as_str());
            continue;
        }
        let trace = traces.entry(&label.trace_id).or_default();
        trace.subset = subset(&label.source_file);
        if label.scheme != "TRAIL" {
            continue; // the per-trace scores of TRAIL-scores
        }
        match (mapping.trail_category(&label.category), &label.span_id) {
            (Some(category), Some(span)) => {
                trace.errors.insert((span.clone(), category.to_string()));
            }
            _ => *unknown.entry(&label.category).or_default() += 1,
        }
    }
    if !without_trace.is_empty() {
        notes.push(format!(
            "{} annotated traces have no trace file: left out",
            without_trace.len()
        ));
    }
    if !unknown.is_empty() {
        notes.push(format!(
            "labels without a known category or span, left out: {unknown:?}"
        ));
    }
    let by_trace = super::findings_by_trace(findings);
    let detector_categories: BTreeMap<String, Vec<String>> = mapping
        .detector
        .iter()
        .map(|(name, labels)| (name.clone(), labels.trail.clone()))
        .collect();

    let mut outcomes = Vec::new();
    // (location sum, joint sum, traces) overall and per subset
    let mut sums: BTreeMap<&str, (f64, f64, usize)> = BTreeMap::new();
    for (trace_id, annotated) in &traces {
        let findings: Vec<&Finding> = by_trace.get(trace_id).cloned().unwrap_or_default();
        let mut predicted: BTreeSet<(&str, &str)> = BTreeSet::new();
        for f in &findings {
            for category in detector_categories.get(&f.detector).into_iter().flatten() {
                for span in &f.span_ids {
                    predicted.insert((span, category));
                }
            }
        }
        let predicted_spans: BTreeSet<&str> = predicted.iter().map(|(s, _)| *s).collect();
        if !annotated.errors.is_empty() {
            let gold_spans: BTreeSet<&str> =
                annotated.errors.iter().map(|(s, _)| s.as_str()).collect();
            let located = gold_spans.intersection(&predicted_spans).count();
            let joint = annotated
                .errors
                .iter()
                .filter(|(s, c)| predicted.contains(&(s.as_str(), c.as_str())))
                .count();
            for key in ["overall", annotated.subset] {
                let sum = sums.entry(key).or_default();
                sum.0 += located as f64 / gold_spans.len() as f64;
                sum.1 += joint as f64 / annotated.errors.len() as f64;
                sum.2 += 1;
            }
        }
        outcomes.push(TraceOutcome {
            gold: annotated.errors.iter().map(|(_, c)| c.clone()).collect(),
            findings,
        });
    }
    let mut metrics = Vec::new();
    for key in ["overall", "GAIA", "SWE Bench"] {
        let (location, joint, n) = sums.get(key).copied().unwrap_or_default();
        let mean = |sum: f64| (n > 0).then(|| 100.0 * sum / n as f64);
        metrics.push(Metric {
            name: format!("location accuracy % ({key})"),
            value: mean(location),
            traces: n,
            references: Vec::new(),
        });
        metrics.push(Metric {
            name: format!("joint accuracy % ({key})"),
            value: mean(joint),
            traces: n,
            references: REFERENCE_JOINT
                .iter()
                .filter(|(subset, _)| *subset == key)
                .map(|(_, v)| ("Gemini-2.5-Pro (TRAIL paper)".to_string(), *v))
                .collect(),
        });
    }
    let categories: Vec<(String, Option<crate::taxonomy::Reach>)> = mapping
        .trail_categories()
        .iter()
        .map(|(name, c)| (name.clone(), Some(c.reach)))
        .collect();
    let (per_detector, per_category) =
        trace_level_scores(&outcomes, &detector_categories, &categories);
    notes.push(
        "split: a trace id starting 0-7 is dev, 8-f test (../shared/data/README.md)".to_string(),
    );
    CorpusEval {
        corpus: "TRAIL".to_string(),
        split,
        traces: traces.len(),
        metrics,
        per_detector,
        per_category,
        notes,
    }
}
