//! Termination reasons read from error and status messages: the loop guards
//! of the frameworks (FORMATS.md §7) announce themselves only in text.
//!
//! Shared vocabulary, like `event::Kind`: adapters name a run's guard with
//! it, detectors, blame and the stats tables ask whether a reason is one. A
//! leaf: it imports nothing of the crate.

use regex::RegexSet;
use std::sync::LazyLock;

/// (reason, pattern), checked in order; the first match names the reason.
const GUARDS: [(&str, &str); 7] = [
    (
        "recursion_limit",
        r"(?i)recursion[ _]limit|GraphRecursionError",
    ),
    (
        "max_turns",
        r"(?i)max(imum)?[ _]?turns|maximum number of turns|MaxTurnsExceeded",
    ),
    ("max_steps", r"(?i)max(imum)?[ _]?steps|AgentMaxStepsError"),
    ("max_round", r"(?i)max(imum)?[ _]?rounds?\b|max_round"),
    (
        "max_iter",
        r"(?i)max(imum)?[ _]?iter(ation)?s?\b|iteration limit",
    ),
    ("max_messages", r"(?i)maximum number of messages"),
    // Magentic-One's orchestrator: "Max time (1500s) reached."
    ("max_time", r"(?i)max(imum)?[ _]?time\b|time limit reached"),
];

static GUARD_SET: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(GUARDS.iter().map(|(_, p)| *p)).unwrap());

/// Whether a termination reason is a framework's loop guard (as opposed
/// to a termination condition met: `text_mention`, `stop_message`, ...).
pub fn is_loop_guard(reason: &str) -> bool {
    GUARDS.iter().any(|(name, _)| *name == reason)
}

/// The guard a message reports, if it reports one.
pub fn guard_from_message(message: &str) -> Option<&'static str> {
    GUARD_SET
        .matches(message)
        .iter()
        .next()
        .map(|i| GUARDS[i].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_are_recognized_in_real_messages() {
        let cases = [
            ("Max turns exceeded: {'max_turns': 10}", Some("max_turns")),
            ("Max turns (10) exceeded", Some("max_turns")),
            (
                "Recursion limit of 25 reached without hitting a stop condition",
                Some("recursion_limit"),
            ),
            ("GraphRecursionError(...)", Some("recursion_limit")),
            ("Reached max steps.", Some("max_steps")),
            // AutoGen AgentChat's team max_turns.
            ("Maximum number of turns 6 reached.", Some("max_turns")),
            (
                "Maximum number of messages 10 reached, current message count: 10",
                Some("max_messages"),
            ),
            (
                "Agent stopped due to iteration limit or time limit.",
                Some("max_iter"),
            ),
            // Magentic-One (Who&When).
            ("Max time (1500s) reached.", Some("max_time")),
            ("connection refused", None),
        ];
        for (message, expected) in cases {
            assert_eq!(guard_from_message(message), expected, "{message}");
        }
    }
}
