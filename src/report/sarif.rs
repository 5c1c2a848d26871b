//! SARIF 2.1.0 (OASIS): one rule per detector, its documentation as help,
//! one result per finding at the trace file and line it starts at, so code
//! scanning tools (GitHub, GitLab, IDEs) show findings where the trace is.

use anyhow::Result;
use serde_json::{json, Value};

use super::CheckOutcome;
use crate::detect::gate::fingerprint;
use crate::detect::{registry, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn check(outcome: &CheckOutcome) -> Result<String> {
    let detectors: Vec<_> = registry()
        .into_iter()
        .filter(|d| outcome.detectors.contains(&d.name()))
        .collect();
    let rules: Vec<Value> = detectors
        .iter()
        .map(|d| {
            let doc = d.documentation();
            let summary = doc
                .split("## What it does")
                .nth(1)
                .and_then(|s| s.split("##").next())
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let mapping = d.mapping();
            let tags: Vec<String> = mapping
                .mast_mode
                .map(|m| format!("MAST-{m}"))
                .into_iter()
                .chain(mapping.checklist.map(str::to_string))
                .collect();
            json!({
                "id": d.name(),
                "name": d.name(),
                "shortDescription": {"text": summary.split(". ").next().unwrap_or(&summary)},
                "fullDescription": {"text": summary},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": level(d.default_severity())},
                "properties": {"tags": tags}
            })
        })
        .collect();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let rule_index = detectors.iter().position(|d| d.name() == f.detector);
            let mut result = json!({
                "ruleId": f.detector,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.source_file)},
                        "region": {"startLine": f.source_line.max(1)}
                    },
                    "logicalLocations": [{"name": f.trace_id, "kind": "trace"}]
                }],
                "partialFingerprints": {"tracelintFinding/v1": fingerprint(f)},
                "properties": {
                    "trace_id": f.trace_id,
                    "span_ids": f.span_ids,
                    "agents": f.agents,
                    "seq_range": f.seq_range,
                    "confidence": f.confidence,
                    "metrics": f.metrics,
                    "mast_mode": f.mast_mode,
                    "checklist": f.checklist
                }
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            // With a baseline: whether the finding is accepted or new.
            if let Some(baselined) = &outcome.baselined {
                result["baselineState"] = json!(if baselined[i] { "unchanged" } else { "new" });
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tracelint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    Ok(serde_json::to_string_pretty(&log)? + "\n")
}

/// A file path as a relative URI reference (forward slashes, spaces and
/// other reserved characters percent-encoded).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}
