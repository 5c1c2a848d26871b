//! JUnit XML for CI test reports: one test case per trace (named by trace
//! id, classed by its file), one `<failure>` per finding of that trace that
//! fails the gate (`--fail-on`, `--baseline`, `--max-findings`) — Jenkins,
//! GitLab and the GitHub test-report actions show each. A trace whose
//! findings do not gate passes, its findings told in `<system-out>`, so
//! the test report and the exit code say the same. Trace text is escaped as XML and stripped of the
//! characters XML 1.0 forbids, so the file parses whatever the trace held.

use std::borrow::Cow;

use super::CheckOutcome;
use crate::inert;

/// Text for an XML attribute or element: forbidden characters replaced,
/// markup escaped.
fn escape(text: &str) -> Cow<'_, str> {
    match inert::for_xml(text) {
        Cow::Borrowed(text) => quick_xml::escape::escape(text),
        Cow::Owned(text) => Cow::Owned(quick_xml::escape::escape(text.as_str()).into_owned()),
    }
}

pub fn check(outcome: &CheckOutcome) -> String {
    let failing: std::collections::BTreeSet<&str> = outcome
        .findings
        .iter()
        .zip(&outcome.gates)
        .filter(|(_, gates)| **gates)
        .map(|(f, _)| f.trace_id.as_str())
        .collect();
    // A run that is an error (nothing read, --strict) is one erroring
    // test case of its own: a report of zero tests would read as a pass.
    let errors = usize::from(outcome.error.is_some());
    let tests = outcome.traces.len() + errors;
    let failures = failing.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"tracelint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"tracelint check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n"
    ));
    if let Some(error) = &outcome.error {
        out.push_str(&format!(
            "    <testcase classname=\"tracelint\" name=\"reading the traces\">\n      <error type=\"run\" message=\"{}\"/>\n    </testcase>\n",
            escape(error.as_str())
        ));
    }
    for trace in &outcome.traces {
        let findings: Vec<_> = outcome
            .findings
            .iter()
            .zip(&outcome.gates)
            .filter(|(f, _)| f.trace_id == trace.trace_id)
            .collect();
        let open = format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(trace.source_file.as_ref()),
            escape(trace.trace_id.as_str())
        );
        if findings.is_empty() {
            out.push_str(&open);
            out.push_str("/>\n");
            continue;
        }
        out.push_str(&open);
        out.push_str(">\n");
        let mut passing = Vec::new();
        for (f, gates) in findings {
            if !gates {
                passing.push(format!("{}: {}", f.detector, f.message));
                continue;
            }
            let details = format!(
                "{} ({}) at {}:{}\nagents: {}\nspans: {}\n{}",
                f.detector,
                f.severity.as_str(),
                f.source_file,
                f.source_line,
                f.agents.join(", "),
                f.span_ids.join(" "),
                f.metrics
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            out.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                escape(f.detector.as_str()),
                escape(f.message.as_str()),
                escape(details.as_str())
            ));
        }
        if !passing.is_empty() {
            out.push_str(&format!(
                "      <system-out>findings that do not fail the gate:\n{}</system-out>\n",
                escape(passing.join("\n").as_str())
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
