//! The MAST human records (MAST-Data, MAD_human_labelled_dataset.json): 19
//! framework logs, each judged by three annotators yes/no per failure
//! mode. Dev only (../shared/data/README.md).
//!
//! A mode is labelled on a trace when most annotators who voted said yes.
//! Rounds 1–3 used draft taxonomies; their modes are turned into the final
//! 14 by `human_round_code_map.json` beside the data (modes the final
//! taxonomy dropped are left out). 3.2 and 3.3 are scored as one bucket:
//! the file's own descriptions of the two are swapped relative to the
//! paper. The records of the older MAST-v1 scheme have no mapping to the
//! 14 modes and are left out.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{trace_level_scores, CorpusEval, Split, TraceOutcome};
use crate::detect::Finding;
use crate::labels::LabelRow;
use crate::taxonomy::{MAPPING, TAXONOMY};

const VERIFICATION: &str = "3.2/3.3";

/// Draft-round mode → final mode, per round; `None` for dropped modes.
type RoundMap = BTreeMap<String, BTreeMap<String, Option<String>>>;

pub fn read_round_map(path: &Path) -> Result<RoundMap> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if let Some(object) = value.as_object_mut() {
        object.retain(|key, _| !key.starts_with('_'));
    }
    serde_json::from_value(value).with_context(|| format!("{} is not a round map", path.display()))
}

/// The final mode a label names, 3.2 and 3.3 merged.
fn final_mode(label: &LabelRow, rounds: &RoundMap) -> Option<String> {
    let mode = match rounds.get(&label.scheme) {
        Some(round) => round.get(&label.category)?.clone()?,
        // The Generalizability round uses the final codes: "1.3 Step Repetition".
        None => label.category.split_whitespace().next()?.to_string(),
    };
    Some(bucket(&mode))
}

fn bucket(mode: &str) -> String {
    if mode == "3.2" || mode == "3.3" {
        VERIFICATION.to_string()
    } else {
        mode.to_string()
    }
}

/// Most of the annotators who voted said yes ("true,true,false").
fn majority_yes(verdict: &str) -> bool {
    let votes: Vec<bool> = verdict
        .split(',')
        .filter_map(|v| match v.trim() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        })
        .collect();
    2 * votes.iter().filter(|v| **v).count() > votes.len()
}

pub fn evaluate(
    labels: &[LabelRow],
    findings: &[Finding],
    rounds: &RoundMap,
    split: Split,
) -> CorpusEval {
    let mut notes = vec!["dev only: every record is dev (../shared/data/README.md)".to_string()];
    let mut gold: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut left_out = 0;
    if split != Split::Test {
        for label in labels.iter().filter(|l| l.corpus == "mast_human") {
            let modes = gold.entry(&label.trace_id).or_default();
            match final_mode(label, rounds) {
                Some(mode) if majority_yes(&label.verdict) => {
                    modes.insert(mode);
                }
                Some(_) => {}
                None => left_out += 1,
            }
        }
    }
    if left_out > 0 {
        notes.push(format!(
            "{left_out} draft-round labels name modes the final taxonomy dropped: left out"
        ));
    }
    let v1 = labels.iter().filter(|l| l.corpus == "mast_v1").count();
    if v1 > 0 && split != Split::Test {
        notes.push(format!(
            "{v1} labels of the MAST-v1 scheme have no mapping to the 14 modes: left out"
        ));
    }
    let by_trace = super::findings_by_trace(findings);
    let outcomes: Vec<TraceOutcome> = gold
        .iter()
        .map(|(trace_id, modes)| TraceOutcome {
            gold: modes.clone(),
            findings: by_trace.get(trace_id).cloned().unwrap_or_default(),
        })
        .collect();
    let detector_modes: BTreeMap<String, Vec<String>> = MAPPING
        .detector
        .iter()
        .map(|(name, labels)| {
            (
                name.clone(),
                labels.mast.iter().map(|m| bucket(m)).collect(),
            )
        })
        .collect();
    let mut categories: Vec<(String, Option<crate::taxonomy::Reach>)> = Vec::new();
    for mode in &TAXONOMY.modes {
        let bucket = bucket(&mode.id);
        if !categories.iter().any(|(c, _)| *c == bucket) {
            categories.push((bucket, None));
        }
    }
    let (per_detector, per_category) = trace_level_scores(&outcomes, &detector_modes, &categories);
    CorpusEval {
        corpus: "MAST human records".to_string(),
        split,
        traces: outcomes.len(),
        metrics: Vec::new(),
        per_detector,
        per_category,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mode_is_labelled_by_most_of_those_who_voted() {
        assert!(majority_yes("true,true,false"));
        assert!(!majority_yes("true,false,false"));
        assert!(majority_yes("true,null,true"));
        assert!(!majority_yes("true,null,false"));
        assert!(!majority_yes(""));
    }
}
