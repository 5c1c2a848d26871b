//! GitLab code quality report (the `codequality` artifact): a JSON array of
//! issues with a check name, a severity, a fingerprint and a location. The
//! texts are shown in merge requests: control and bidi characters from the
//! trace are escaped (`inert::for_terminal`).

use anyhow::Result;
use serde_json::{json, Value};

use super::CheckOutcome;
use crate::detect::gate::fingerprint;
use crate::detect::Severity;
use crate::inert;

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
            let description = format!("{} (trace {})", f.message, f.trace_id);
            json!({
                "description": inert::for_terminal(&description),
                "check_name": f.detector,
                "fingerprint": fingerprint(f),
                "severity": severity,
                "location": {
                    "path": inert::for_terminal(&f.source_file),
                    "lines": {"begin": f.source_line.max(1)}
                }
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&issues)? + "\n")
}
