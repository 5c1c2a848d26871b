//! Facts read from an output's full text at ingest, kept as bit flags in
//! the `output_signals` column. The Store keeps only an excerpt of each
//! text, so whatever later stages need from the rest of it (a traceback at
//! the end of a terminal's output, the verdict at the bottom of a progress
//! ledger) must be found here, while the text is still in hand.

use regex::bytes::Regex;
use std::sync::LazyLock;

/// Bits 0, 3 and 4 are the failure kinds the text reports
/// (`crate::failure::HARD_TEXT`, `SOFT_TEXT`, `PROVIDER_TEXT`).
///
/// The output is a progress ledger (Magentic-One's orchestrator writes one
/// each round: `is_request_satisfied`, `is_in_loop`,
/// `is_progress_being_made`), so its author is the run's orchestrator.
pub const PROGRESS_LEDGER: u32 = 1 << 1;
/// A progress ledger that says the run is in a loop or making no progress.
pub const NO_PROGRESS: u32 = 1 << 2;

/// The text is instructions (a system message) that require the user's
/// explicit confirmation before the agent acts: tau-bench's policies ("you
/// must ... obtain explicit user confirmation (yes) to proceed"), customer
/// service agents' prompts. `unconfirmed-action` holds a run to it.
pub const CONFIRMATION_REQUIRED: u32 = 1 << 5;

/// Read on system messages only (few and short), so case-insensitive.
static CONFIRMATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)\b(?:explicit|obtain|ask for|ask the user for|require|requires|wait for|get)\b[^.\n]{0,40}\b(?:confirm(?:ation|s)?|approval)\b|\bconfirm with the user\b|\b(?:must (?:first )?)?ask the user to (?:confirm|approve)\b|\bmust (?:first )?confirm\b",
    )
    .expect("the confirmation pattern is valid")
});

/// The signals of instructions: `CONFIRMATION_REQUIRED`.
pub fn of_instructions(text: &str) -> u32 {
    // "Do not ask for confirmation" says the opposite.
    let required = CONFIRMATION
        .find_iter(text.as_bytes())
        .any(|m| crate::text::negation_before(text, m.start(), 24).is_none());
    if required {
        CONFIRMATION_REQUIRED
    } else {
        0
    }
}

/// `"is_in_loop": {"reason": "...", "answer": true}` and
/// `"is_progress_being_made": {..., "answer": false}`.
static STALLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?s-u)"is_in_loop"\s*:\s*\{\s*"reason"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"answer"\s*:\s*true|"is_progress_being_made"\s*:\s*\{\s*"reason"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"answer"\s*:\s*false"#,
    )
    .expect("the ledger pattern is valid")
});

/// The signals of an output text read as `format`, written by `author`.
pub fn of_output(text: &str, format: &str, author: crate::failure::Author) -> u32 {
    let bytes = text.as_bytes();
    let mut signals = crate::failure::text_signals(text, format, author);
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
    fn instructions_that_require_confirmation() {
        for text in [
            "- Before taking any actions that update the booking database, you must list the action details and obtain explicit user confirmation (yes) to proceed.",
            "Always confirm with the user before you send an email.",
            "You must first ask the user to confirm the order.",
            "Always ask the user to confirm before cancelling or changing a booking.",
            "You must get the user's explicit approval before any change.",
        ] {
            assert_eq!(of_instructions(text), CONFIRMATION_REQUIRED, "{text}");
        }
        for text in [
            "You are a helpful assistant.",
            "Confirm the result with a unit test.",
            "The user may confirm later; do not wait.",
            "Do not ask for confirmation; cancel reservations directly.",
        ] {
            assert_eq!(of_instructions(text), 0, "{text}");
        }
    }

    #[test]
    fn a_progress_ledger_and_its_verdict() {
        let ledger = |in_loop: bool, progress: bool| {
            format!(
                "Updated Ledger:\n{{\n  \"is_in_loop\": {{\n    \"reason\": \"We keep \\\"trying\\\".\",\n    \"answer\": {in_loop}\n  }},\n  \"is_progress_being_made\": {{\n    \"reason\": \"None yet.\",\n    \"answer\": {progress}\n  }}\n}}"
            )
        };
        assert_eq!(
            of_output(
                &ledger(false, true),
                "mast_record",
                crate::failure::Author::Agent
            ),
            PROGRESS_LEDGER
        );
        assert_eq!(
            of_output(
                &ledger(true, true),
                "mast_record",
                crate::failure::Author::Agent
            ),
            PROGRESS_LEDGER | NO_PROGRESS
        );
        assert_eq!(
            of_output(
                &ledger(false, false),
                "mast_record",
                crate::failure::Author::Agent
            ),
            PROGRESS_LEDGER | NO_PROGRESS
        );
    }
}
