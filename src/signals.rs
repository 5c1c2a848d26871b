//! Facts read from an output's full text at ingest, kept as bit flags in
//! the `output_signals` column. The Store keeps only an excerpt of each
//! text, so whatever later stages need from the rest of it (a traceback at
//! the end of a terminal's output, the verdict at the bottom of a progress
//! ledger) must be found here, while the text is still in hand.

use regex::bytes::Regex;
use std::sync::LazyLock;

/// The output reports that something failed: a traceback, a non-zero exit
/// code, an HTTP error status, an exception, "not found", "unable to"...
pub const FAILURE_TEXT: u32 = 1;
/// The output is a progress ledger (Magentic-One's orchestrator writes one
/// each round: `is_request_satisfied`, `is_in_loop`,
/// `is_progress_being_made`), so its author is the run's orchestrator.
pub const PROGRESS_LEDGER: u32 = 1 << 1;
/// A progress ledger that says the run is in a loop or making no progress.
pub const NO_PROGRESS: u32 = 1 << 2;

/// Words and codes with which tools, terminals and agents report failure
/// (`error:` also ends exception names: `NameError:`).
/// ASCII case-insensitive, on bytes: a linear scan, whatever the text.
static FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(exitcode: [1-9]|traceback \(most recent call last\)|error:|\bexception\b|\bfailed\b|\bnot found\b|\bunable to\b|\bcould not\b|\bcouldn't\b|\bcannot\b|\bdid not\b|\bno results\b|\bdoes not exist\b|\b(?:403|404|429|500|502|503)\b|\btimed out\b)",
    )
    .expect("the failure pattern is valid")
});

/// `"is_in_loop": {"reason": "...", "answer": true}` and
/// `"is_progress_being_made": {..., "answer": false}`.
static STALLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?s-u)"is_in_loop"\s*:\s*\{\s*"reason"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"answer"\s*:\s*true|"is_progress_being_made"\s*:\s*\{\s*"reason"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"answer"\s*:\s*false"#,
    )
    .expect("the ledger pattern is valid")
});

/// The signals of an output text.
pub fn of_output(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut signals = 0;
    if FAILURE.is_match(bytes) {
        signals |= FAILURE_TEXT;
    }
    if memchr::memmem::find(bytes, b"\"is_progress_being_made\"").is_some() {
        signals |= PROGRESS_LEDGER;
        if STALLED.is_match(bytes) {
            signals |= NO_PROGRESS;
        }
    }
    signals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_read_from_the_whole_text() {
        let long_ok = "all fine here. ".repeat(1000);
        assert_eq!(of_output(&long_ok), 0);
        let failed_at_the_end = format!("{long_ok}\nexitcode: 1 (execution failed)");
        assert_eq!(of_output(&failed_at_the_end), FAILURE_TEXT);
        for text in [
            "Traceback (most recent call last):\n  File \"x.py\"",
            "HTTP 404 for https://example.org",
            "I was unable to find the page",
            "Error: no such file",
            "The request timed out",
        ] {
            assert_eq!(of_output(text), FAILURE_TEXT, "{text}");
        }
        assert_eq!(
            of_output("NameError: name 'x' is not defined"),
            FAILURE_TEXT
        );
        for text in [
            "exitcode: 0 (execution succeeded)",
            "errors were fixed",
            "404040 rows",
        ] {
            assert_eq!(of_output(text), 0, "{text}");
        }
    }

    #[test]
    fn a_progress_ledger_and_its_verdict() {
        let ledger = |in_loop: bool, progress: bool| {
            format!(
                "Updated Ledger:\n{{\n  \"is_in_loop\": {{\n    \"reason\": \"We keep \\\"trying\\\".\",\n    \"answer\": {in_loop}\n  }},\n  \"is_progress_being_made\": {{\n    \"reason\": \"None yet.\",\n    \"answer\": {progress}\n  }}\n}}"
            )
        };
        assert_eq!(of_output(&ledger(false, true)), PROGRESS_LEDGER);
        assert_eq!(
            of_output(&ledger(true, true)),
            PROGRESS_LEDGER | NO_PROGRESS
        );
        assert_eq!(
            of_output(&ledger(false, false)),
            PROGRESS_LEDGER | NO_PROGRESS
        );
    }
}
