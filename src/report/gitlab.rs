//! GitLab code quality report (the `codequality` artifact): a JSON array of
//! issues with a check name, a severity, a fingerprint and a location.

use anyhow::Result;
use serde_json::{json, Value};

use super::CheckOutcome;
use crate::detect::gate::fingerprint;
use crate::detect::Severity;

pub fn check(outcome: &CheckOutcome) -> Result<String> {
    let issues: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Error => "critical",
                Severity::Warning => "major",
                Severity::Info => "info",
            };
            json!({
                "description": format!("{} (trace {})", f.message, f.trace_id),
                "check_name": f.detector,
                "fingerprint": fingerprint(f),
                "severity": severity,
                "location": {
                    "path": f.source_file,
                    "lines": {"begin": f.source_line.max(1)}
                }
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&issues)? + "\n")
}
