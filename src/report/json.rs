//! JSON output. Field names are a contract for dashboards and scripts;
//! `schema_version` changes when one changes meaning.

use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

use super::{CheckOutcome, StatsTable};
use crate::detect::Finding;
use crate::summary::{RunSummary, Stats};

pub const SCHEMA_VERSION: u32 = 1;

/// The `stats` document; with `only`, the summary and that one table
/// under the key it has in the whole document, so a script reads it at the
/// same path either way.
pub fn stats(stats: &Stats, only: Option<StatsTable>) -> Result<String> {
    let document = match only {
        None => serde_json::to_value(stats)?,
        Some(table) => {
            let (key, rows) = match table {
                StatsTable::Traces => ("traces", serde_json::to_value(&stats.traces)?),
                StatsTable::Agents => ("agents", serde_json::to_value(&stats.agents)?),
                StatsTable::Handoffs => {
                    ("handoff_edges", serde_json::to_value(&stats.handoff_edges)?)
                }
                StatsTable::Tools => ("tool_calls", serde_json::to_value(&stats.tool_calls)?),
            };
            serde_json::json!({"summary": stats.summary, key: rows})
        }
    };
    Ok(serde_json::to_string_pretty(&document)? + "\n")
}

#[derive(Serialize)]
struct CheckSummary<'a> {
    #[serde(flatten)]
    run: &'a RunSummary,
    detectors: &'a [&'static str],
    findings: usize,
    gating: usize,
    by_severity: BTreeMap<&'static str, usize>,
}

/// The gate's word on one finding, beside it (the `verdicts` array is in
/// the order of `findings`; a finding's own fields are DESIGN.md §4's).
#[derive(Serialize)]
struct Verdict<'a> {
    fingerprint: &'a str,
    gating: bool,
    /// Null without a baseline.
    baselined: Option<bool>,
}

#[derive(Serialize)]
struct CheckDocument<'a> {
    schema_version: u32,
    summary: CheckSummary<'a>,
    findings: &'a [Finding],
    verdicts: Vec<Verdict<'a>>,
    /// Why the run is an error (no trace read, `--strict`), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

pub fn check(outcome: &CheckOutcome) -> Result<String> {
    let mut by_severity = BTreeMap::new();
    for finding in &outcome.findings {
        *by_severity.entry(finding.severity.as_str()).or_default() += 1;
    }
    let document = CheckDocument {
        schema_version: SCHEMA_VERSION,
        summary: CheckSummary {
            run: &outcome.summary,
            detectors: &outcome.detectors,
            findings: outcome.findings.len(),
            gating: outcome.gating,
            by_severity,
        },
        findings: &outcome.findings,
        verdicts: (0..outcome.findings.len())
            .map(|i| Verdict {
                fingerprint: &outcome.fingerprints[i],
                gating: outcome.gates[i],
                baselined: outcome.baselined.as_ref().map(|b| b[i]),
            })
            .collect(),
        error: outcome.error.as_deref(),
    };
    Ok(serde_json::to_string_pretty(&document)? + "\n")
}

/// One finding per line (JSON Lines), for streaming consumers.
pub fn findings_lines(findings: &[Finding]) -> Result<String> {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&serde_json::to_string(finding)?);
        out.push('\n');
    }
    Ok(out)
}
