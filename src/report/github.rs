//! GitHub Actions workflow commands: one `::error` / `::warning` /
//! `::notice` line per finding, annotating the trace file (relative to the
//! repository root, as the runner resolves it) and line in the pull
//! request; a finding the baseline has is a `::notice`. Values are escaped as the runner expects: `%`, CR and LF
//! in messages; also `:` and `,` in properties.

use super::CheckOutcome;
use crate::detect::Severity;

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn check(outcome: &CheckOutcome) -> String {
    let mut out = String::new();
    // A run that is an error says so where the pull request shows it.
    if let Some(error) = &outcome.error {
        out.push_str(&format!(
            "::error title=tracelint could not check the traces::{}\n",
            escape_data(error)
        ));
    }
    for (i, f) in outcome.findings.iter().enumerate() {
        let baselined = outcome.in_baseline(i);
        let command = match f.severity {
            // An accepted finding (in the baseline) is told, not raised.
            _ if baselined => "notice",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let accepted = if baselined { ", in the baseline" } else { "" };
        let title = format!("tracelint {} (trace {}{accepted})", f.detector, f.trace_id);
        out.push_str(&format!(
            "::{command} file={},line={},title={}::{}\n",
            escape_property(&outcome.root.display(&f.source_file)),
            f.source_line.max(1),
            escape_property(&title),
            escape_data(&f.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_the_runner_reads_them() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
