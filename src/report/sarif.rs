//! SARIF 2.1.0 (OASIS): one rule per detector, its documentation as help,
//! one result per finding at the trace file and line it starts at, so code
//! scanning tools (GitHub, GitLab, IDEs) show findings where the trace is.
//! Files are named relative to the repository root (`uriBaseId`
//! `%SRCROOT%`, the root's own URI in `originalUriBaseIds`), so the log
//! means the same in any checkout; a file outside the repository is an
//! absolute `file:` URI, and stdin has no physical location.

use anyhow::Result;
use serde_json::{json, Value};

use super::{uri_path, CheckOutcome};
use crate::detect::{registry, Severity};

/// The base every relative artifact URI is resolved against.
const SRCROOT: &str = "%SRCROOT%";

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
                "name": pascal_case(d.name()),
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
            let mut location = json!({
                "logicalLocations": [{"name": f.trace_id, "kind": "trace"}]
            });
            if let Some(artifact) = artifact_location(outcome, &f.source_file) {
                location["physicalLocation"] = json!({
                    "artifactLocation": artifact,
                    "region": {"startLine": f.source_line.max(1)}
                });
            }
            let mut result = json!({
                "ruleId": f.detector,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [location],
                "partialFingerprints": {"tracelintFinding/v2": outcome.fingerprints[i]},
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
    let mut driver = json!({
        "name": "tracelint",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules
    });
    // Where the project is published, when the build says (Cargo's
    // `repository`); an invented address would be worse than none.
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver["informationUri"] = json!(repository);
    }
    // Whether the run did its job: a run that read nothing is no clean
    // run, and a code-scanning service must not close alerts on it.
    let mut invocation = json!({"executionSuccessful": outcome.error.is_none()});
    if let Some(error) = &outcome.error {
        invocation["toolExecutionNotifications"] =
            json!([{"level": "error", "message": {"text": error}}]);
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"uri": outcome.root.uri()}},
            "results": results
        }]
    });
    Ok(serde_json::to_string_pretty(&log)? + "\n")
}

/// A trace file as a SARIF artifact location: relative to `%SRCROOT%`
/// when in the repository, an absolute `file:` URI when not, none for
/// stdin.
fn artifact_location(outcome: &CheckOutcome, file: &str) -> Option<Value> {
    if let Some(relative) = outcome.root.relative(file) {
        return Some(json!({"uri": uri_path(&relative), "uriBaseId": SRCROOT}));
    }
    if file == "<stdin>" {
        return None;
    }
    let path = outcome
        .root
        .absolute(file)
        .to_string_lossy()
        .replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    Some(json!({"uri": format!("file://{}", uri_path(&path))}))
}

/// `repeated-tool-call` → `RepeatedToolCall`: the rule's name, for people,
/// beside its id, for selectors.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
