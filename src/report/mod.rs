//! Renderers: one file per output format. They know neither formats nor
//! failures: they take summaries and findings.

pub mod csv;
pub mod json;
pub mod table;

use crate::detect::Finding;
use crate::summary::RunSummary;

/// What `check` found, for every renderer.
pub struct CheckOutcome {
    pub summary: RunSummary,
    /// Names of the detectors that ran.
    pub detectors: Vec<&'static str>,
    /// How many findings fail the gate.
    pub gating: usize,
    pub findings: Vec<Finding>,
}
