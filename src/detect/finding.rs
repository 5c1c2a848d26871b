//! A finding and its evidence. The JSON report uses exactly these fields
//! (DESIGN.md §4).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub detector: String,
    pub mast_mode: Option<String>,
    pub checklist: Option<String>,
    pub severity: Severity,
    /// 0 to 1: how sure the detector is that this is the failure it names.
    pub confidence: f64,
    pub trace_id: String,
    /// Evidence spans, in seq order.
    pub span_ids: Vec<String>,
    /// First and last seq of the evidence.
    pub seq_range: [u32; 2],
    pub agents: Vec<String>,
    /// One sentence a person can act on.
    pub message: String,
    /// Counts and costs: repeats, hops, wasted_tokens, wasted_cost_usd, ...
    pub metrics: BTreeMap<String, f64>,
    pub source_file: String,
    pub source_line: u32,
    /// The source's own step (or turn) numbers of the first and last
    /// evidence rows that have one (`Event::step`: a LangGraph superstep, a
    /// smolagents step, a chat's turn), for people to find the evidence.
    /// Not in the JSON report (its fields are fixed); shown by the
    /// terminal table and `blame`.
    #[serde(skip)]
    pub steps: Option<[i64; 2]>,
    /// The seq range the waste metrics were measured over
    /// (`FindingBuilder::waste`), for a trace's waste counted once over
    /// overlapping findings (`Detected::waste`).
    #[serde(skip)]
    pub waste_range: Option<[u32; 2]>,
    /// What a re-recorded run of the same failure has in common with this
    /// one, hashed: the detector, the trace's name, the agents and the
    /// names of the evidence spans, ids masked (`FindingBuilder::build`).
    /// Not reported: the fingerprint (`gate::fingerprints`) adds the file.
    #[serde(skip)]
    pub identity: u64,
}
