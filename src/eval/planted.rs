//! The project's own framework fixtures (tests/fixtures/frameworks/): real
//! exports of scripted runs whose failures are planted by construction and
//! listed in the folder's `planted.toml` (scenario → MAST modes). They are
//! not a held-out measure — the detectors were written against them — but
//! they show that each planted failure is found in every exporter's format
//! and that the look-alikes are not flagged. Every split includes them.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{trace_level_scores, CorpusEval, Split, TraceOutcome};
use crate::detect::Finding;
use crate::taxonomy::{MAPPING, TAXONOMY};

#[derive(Deserialize)]
struct Manifest {
    scenario: BTreeMap<String, Vec<String>>,
}

/// Scenario folder name → planted MAST modes.
pub fn read_manifest(path: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text)
        .with_context(|| format!("{} is not a planted manifest", path.display()))?;
    Ok(manifest.scenario)
}

/// `traces`: each trace id with the file it was read from.
pub fn evaluate(
    planted: &BTreeMap<String, Vec<String>>,
    traces: &[(String, String)],
    findings: &[Finding],
    split: Split,
) -> CorpusEval {
    let by_trace = super::findings_by_trace(findings);
    let mut unplanted = BTreeSet::new();
    let mut outcomes = Vec::new();
    for (trace_id, file) in traces {
        let scenario = Path::new(file)
            .parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(modes) = planted.get(&scenario) else {
            unplanted.insert(scenario);
            continue;
        };
        outcomes.push(TraceOutcome {
            gold: modes.iter().cloned().collect(),
            findings: by_trace.get(trace_id.as_str()).cloned().unwrap_or_default(),
        });
    }
    let detector_modes: BTreeMap<String, Vec<String>> = MAPPING
        .detector
        .iter()
        .map(|(name, labels)| (name.clone(), labels.mast.iter().cloned().collect()))
        .collect();
    let categories: Vec<(String, Option<crate::taxonomy::Reach>)> = TAXONOMY
        .modes
        .iter()
        .map(|m| (m.id.clone(), None))
        .collect();
    let (per_detector, per_category) = trace_level_scores(&outcomes, &detector_modes, &categories);
    let mut notes = vec!["the project's own fixtures, in every split: not held out".to_string()];
    if !unplanted.is_empty() {
        notes.push(format!(
            "folders not in planted.toml, left out: {unplanted:?}"
        ));
    }
    CorpusEval {
        corpus: "framework fixtures (planted)".to_string(),
        split,
        traces: outcomes.len(),
        metrics: Vec::new(),
        per_detector,
        per_category,
        notes,
    }
}
