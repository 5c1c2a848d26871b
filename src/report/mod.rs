//! Renderers: one file per output format. They know neither formats nor
//! failures: they take summaries and findings.
//!
//! Never imports `ingest`, `pipeline` or `cli`.

pub mod charts;
pub mod csv;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::detect::Finding;
use crate::summary::RunSummary;
use std::sync::Arc;

/// A trace that was checked.
pub struct TraceRef {
    pub trace_id: String,
    pub source_file: Arc<str>,
}

/// What `check` found, for every renderer.
pub struct CheckOutcome {
    pub summary: RunSummary,
    /// Every trace checked, in Store order.
    pub traces: Vec<TraceRef>,
    /// Names of the detectors that ran.
    pub detectors: Vec<&'static str>,
    /// How many findings fail the gate.
    pub gating: usize,
    pub findings: Vec<Finding>,
    /// For each finding, whether it fails the run (`Gate::gates`).
    pub gates: Vec<bool>,
    /// With `--baseline`, for each finding whether the baseline has it
    /// (accepted: not an error annotation; SARIF `baselineState`).
    pub baselined: Option<Vec<bool>>,
}

/// Findings counted by MAST category (or "checklist") and by MAST mode (or
/// checklist item), for the report's tables and charts.
pub struct Breakdown<'a> {
    /// "FC1 Specification issues" → findings.
    pub by_category: std::collections::BTreeMap<String, usize>,
    /// "1.3" or "P2" → (findings, the detectors that made them).
    pub by_mode: std::collections::BTreeMap<String, (usize, std::collections::BTreeSet<&'a str>)>,
}

impl<'a> Breakdown<'a> {
    pub fn of(findings: &'a [Finding]) -> Self {
        let mut breakdown = Breakdown {
            by_category: Default::default(),
            by_mode: Default::default(),
        };
        for f in findings {
            let mode = f
                .mast_mode
                .clone()
                .or_else(|| f.checklist.clone())
                .unwrap_or_else(|| "-".into());
            let entry = breakdown.by_mode.entry(mode).or_default();
            entry.0 += 1;
            entry.1.insert(&f.detector);
            *breakdown.by_category.entry(category_of(f)).or_default() += 1;
        }
        breakdown
    }
}

/// The MAST category of a finding with its name, or "checklist" for a
/// finding that only maps to the production-readiness checklist.
fn category_of(finding: &Finding) -> String {
    let taxonomy = &crate::taxonomy::TAXONOMY;
    let Some(mode) = finding.mast_mode.as_deref() else {
        return "checklist".to_string();
    };
    match taxonomy.modes.iter().find(|m| m.id == mode) {
        Some(m) => {
            let name = taxonomy
                .categories
                .get(&m.category)
                .map_or("", String::as_str);
            format!("{} {name}", m.category)
        }
        None => mode.to_string(),
    }
}

/// How many findings name each agent.
pub fn findings_per_agent(findings: &[Finding]) -> std::collections::BTreeMap<&str, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for f in findings {
        for agent in &f.agents {
            *counts.entry(agent.as_str()).or_default() += 1;
        }
    }
    counts
}

/// "1.3 Step repetition", "P2 Hop cap": a mode or checklist id with its
/// name from the taxonomy.
pub fn mode_label(id: &str) -> String {
    let taxonomy = &crate::taxonomy::TAXONOMY;
    let name = taxonomy
        .modes
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.name.as_str())
        .or_else(|| {
            taxonomy
                .checklist
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.as_str())
        });
    match name {
        Some(name) => format!("{id} {name}"),
        None => id.to_string(),
    }
}
