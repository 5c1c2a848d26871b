//! GitLab code quality report (the `codequality` artifact): a JSON array of
//! issues with a check name, a severity, a fingerprint and a location (the
//! trace file relative to the repository root). The format has no baseline
//! field: a finding the baseline accepts is listed at severity `info` with
//! "in the baseline" in its description, so the merge request widget does
//! not count it among the problems. The texts are shown in merge requests:
//! control and bidi characters from the trace are escaped
//! (`inert::for_terminal`).

use anyhow::Result;
use serde_json::{json, Value};

use super::CheckOutcome;
use crate::detect::Severity;
use crate::inert;

pub fn check(outcome: &CheckOutcome) -> Result<String> {
    let issues: Vec<Value> = outcome
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let baselined = outcome.in_baseline(i);
            let severity = match f.severity {
                _ if baselined => "info",
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            };
            let accepted = if baselined { ", in the baseline" } else { "" };
            let description = format!("{} (trace {}{accepted})", f.message, f.trace_id);
            json!({
                "description": inert::for_terminal(&description),
                "check_name": f.detector,
                "fingerprint": outcome.fingerprints[i],
                "severity": severity,
                "location": {
                    "path": inert::for_terminal(&outcome.root.display(&f.source_file)),
                    "lines": {"begin": f.source_line.max(1)}
                }
            })
        })
        .collect();
    // The format has no run status: a run that is an error is an issue of
    // its own, so the merge request does not show a clean report.
    let mut issues = issues;
    if let Some(error) = &outcome.error {
        // The issue is the run's, not a file's; the format wants a path.
        let path = outcome
            .traces
            .first()
            .map_or_else(|| ".".to_string(), |t| outcome.root.display(&t.source_file));
        issues.push(json!({
            "description": inert::for_terminal(&format!("tracelint could not check the traces: {error}")),
            "check_name": "tracelint-run",
            "fingerprint": format!("{:016x}", xxhash_rust::xxh3::xxh3_64(error.as_bytes())),
            "severity": "blocker",
            "location": {"path": path, "lines": {"begin": 1}}
        }));
    }
    Ok(serde_json::to_string_pretty(&issues)? + "\n")
}
