//! Renderers: one file per output format. They know neither formats nor
//! failures: they take summaries and findings.

pub mod csv;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::detect::Finding;
use crate::summary::RunSummary;

/// A trace that was checked.
pub struct TraceRef {
    pub trace_id: String,
    pub source_file: String,
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
}
